import { z } from 'zod';
import type { QueryLayer } from '../../../projections/index.ts';
import { MAX_DEAD_LETTER_PAGE } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import {
  deadLetterEntryJson,
  deadLetterEntryOutput,
  deadLetterFilterFields,
  deadLetterLine,
} from './dead-letter-json.ts';
import { requireEveryTenant } from './platform-wide.ts';

export const listDeadLettersInput = z.object({
  ...deadLetterFilterFields,
  redriven: z
    .boolean()
    .optional()
    .describe('false: only records not re-driven yet; true: only re-driven ones; default both.'),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_DEAD_LETTER_PAGE)
    .optional()
    .describe(`Page size, newest failure first; default 50, at most ${MAX_DEAD_LETTER_PAGE}.`),
  cursor: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .describe('The nextCursor of the previous page, to read the next one with the same filters.'),
});

export const listDeadLettersOutput = z.object({
  entries: z.array(deadLetterEntryOutput).describe('One per failed source record, newest failure first.'),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
  ...answerMetaOutput,
});

/** `list_dead_letters`: the failed source records, each naming the consumers that refused it. */
export const listDeadLetters = defineTool({
  name: TOOL_NAMES.listDeadLetters,
  title: 'Dead letters',
  description:
    'Lists the events the pipeline gave up on, one entry per failed source record (however many consumers dead-lettered it) naming each consumer that refused it, with the error code and reason, newest first; filter by topic, consumer, error code and time, page with the cursor. Then use show_dead_letter for one in full and redrive_dead_letters to send them back.',
  input: listDeadLettersInput,
  output: listDeadLettersOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.admin,
  async handle(args, { queries, principal, now }: ToolContext<Pick<QueryLayer, 'deadLetters'>>) {
    requireEveryTenant(principal);
    const answer = await queries.deadLetters({
      ...(args.topic === undefined ? {} : { topic: args.topic }),
      ...(args.consumer === undefined ? {} : { consumer: args.consumer }),
      ...(args.errorCode === undefined ? {} : { errorCode: args.errorCode }),
      ...(args.since === undefined ? {} : { since: new Date(args.since) }),
      ...(args.redriven === undefined ? {} : { redriven: args.redriven }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...(args.cursor === undefined ? {} : { cursor: args.cursor }),
    });
    const meta = answerMeta(answer, now());
    const { entries, nextCursor } = answer.data;
    const shown = entries.slice(0, 20);
    const lines =
      entries.length === 0
        ? ['No dead letters match.']
        : [
            `${entries.length} failed record(s)${nextCursor === null ? '' : ' on this page (more: pass nextCursor)'}:`,
            ...shown.map(deadLetterLine),
            ...(entries.length > shown.length ? [`... and ${entries.length - shown.length} more.`] : []),
          ];
    return {
      structured: { entries: entries.map(deadLetterEntryJson), nextCursor, ...meta },
      text: [...lines, answerMetaText(meta)].join('\n'),
    };
  },
});
