import { z } from 'zod';
import type { Answer, DeadLetterSummary, QueryLayer } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, IDEMPOTENT_WRITE_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { type PipelineReads, pipelineOf } from '../../pipeline-admin.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { deadLetterFilterFields } from './dead-letter-json.ts';
import { requireEveryTenant } from './platform-wide.ts';
import { letterIdInput } from './show-dead-letter.ts';

/** The most records one call re-drives; a filter matching more is re-driven over several calls. */
export const MAX_REDRIVE_RECORDS = 500;

export const redriveDeadLettersInput = z.object({
  ids: z
    .array(letterIdInput)
    .min(1)
    .max(MAX_REDRIVE_RECORDS)
    .optional()
    .describe('The records to send back, by the ids list_dead_letters gives. Give ids or filter.'),
  filter: z
    .object(deadLetterFilterFields)
    .optional()
    .describe(
      `Send back the records not re-driven yet that match (at most ${MAX_REDRIVE_RECORDS} per call). Give ids or filter.`,
    ),
  dryRun: z
    .boolean()
    .optional()
    .describe('Default true: only say what would be sent. Set false, with confirm: true, to send.'),
  confirm: z
    .boolean()
    .optional()
    .describe(
      'Must be true to send (with dryRun: false): re-driving puts events back on their source topics.',
    ),
});

export const redriveDeadLettersOutput = z.object({
  dryRun: z.boolean().describe('True when nothing was sent.'),
  records: z
    .array(
      z.object({
        id: z.string(),
        sourceTopic: z.string().nullable(),
        sourcePartition: z.number().int().nullable(),
        sourceOffset: z.string().nullable(),
        consumers: z.array(z.string()).describe('The consumers that refused it.'),
        outcome: z
          .enum(['sent', 'would be sent', 'already re-driven'])
          .describe('already re-driven: an earlier re-drive sent it; nothing was sent again.'),
      }),
    )
    .describe('Each selected failed source record and what became of it.'),
  sent: z
    .number()
    .int()
    .describe('Events put back on their source topics (would be, in a dry run): one per record.'),
  alreadyRedriven: z.number().int().describe('Selected records an earlier re-drive already sent back.'),
  moreMatch: z.boolean().describe('True when the filter matched more records than one call re-drives.'),
  ...answerMetaOutput,
});

/** The records a call selects: by id (each must be known) or by filter (those not re-driven yet). */
async function selectRecords(
  args: z.output<typeof redriveDeadLettersInput>,
  queries: Pick<QueryLayer, 'deadLetter' | 'deadLetters'>,
): Promise<{ records: DeadLetterSummary[]; answer: Answer<unknown>; moreMatch: boolean }> {
  if (args.ids !== undefined) {
    const answers = await Promise.all(args.ids.map((id) => queries.deadLetter(id)));
    const unknown = args.ids.filter((_, i) => answers[i]?.data === undefined);
    if (unknown.length > 0) {
      throw new ToolRefusal(
        `No dead letter ${unknown.map((id) => `'${id}'`).join(', ')} is in the dead-letter index; nothing was sent. Use the ids list_dead_letters gives.`,
      );
    }
    const byId = new Map<string, DeadLetterSummary>();
    for (const a of answers) if (a?.data !== undefined) byId.set(a.data.id, a.data);
    const [first] = answers;
    if (first === undefined) throw new ToolRefusal('Give at least one id.');
    return { records: [...byId.values()], answer: first, moreMatch: false };
  }
  const filter = args.filter ?? {};
  const records: DeadLetterSummary[] = [];
  let cursor: string | undefined;
  let answer: Answer<unknown> | undefined;
  let moreMatch = false;
  do {
    const page = await queries.deadLetters({
      ...(filter.topic === undefined ? {} : { topic: filter.topic }),
      ...(filter.consumer === undefined ? {} : { consumer: filter.consumer }),
      ...(filter.errorCode === undefined ? {} : { errorCode: filter.errorCode }),
      ...(filter.since === undefined ? {} : { since: new Date(filter.since) }),
      redriven: false,
      limit: 200,
      ...(cursor === undefined ? {} : { cursor }),
    });
    answer ??= page;
    records.push(...page.data.entries);
    cursor = page.data.nextCursor ?? undefined;
  } while (cursor !== undefined && records.length < MAX_REDRIVE_RECORDS);
  if (records.length > MAX_REDRIVE_RECORDS || cursor !== undefined) moreMatch = true;
  if (answer === undefined) throw new Error('no page read');
  return { records: records.slice(0, MAX_REDRIVE_RECORDS), answer, moreMatch };
}

/** `redrive_dead_letters`: sends failed records back to their source topics, once each, audited. */
export const redriveDeadLetters = defineTool({
  name: TOOL_NAMES.redriveDeadLetters,
  title: 'Re-drive dead letters',
  description:
    'Sends failed source records back to their source topics so the consumers that refused them try again: by ids (from list_dead_letters) or by a filter. A dry run by default: it says what would be sent; to send, call with dryRun: false and confirm: true. Each record is sent once (one event for all the consumers that refused it), a record already re-driven is never sent again (a repeat sends nothing and says so), and every send is audited with your identity.',
  input: redriveDeadLettersInput,
  output: redriveDeadLettersOutput,
  annotations: IDEMPOTENT_WRITE_TOOL,
  scope: SCOPES.admin,
  async handle(
    args,
    { queries, principal, now }: ToolContext<Pick<QueryLayer, 'deadLetter' | 'deadLetters'> & PipelineReads>,
  ) {
    requireEveryTenant(principal);
    if ((args.ids === undefined) === (args.filter === undefined)) {
      throw new ToolRefusal(
        'Say which records to re-drive: give either ids (from list_dead_letters) or a filter, not both and not neither.',
      );
    }
    const dryRun = args.dryRun !== false;
    if (!dryRun && args.confirm !== true) {
      throw new ToolRefusal(
        'Nothing was sent: re-driving needs confirm: true with dryRun: false. Call with dryRun: true (the default) first to see what would be sent.',
      );
    }
    const pipeline = pipelineOf(queries);
    const { records, answer, moreMatch } = await selectRecords(args, queries);
    const letterIds = records.flatMap((r) => r.refusals.map((l) => l.letterId));
    const outcome =
      letterIds.length === 0
        ? { redriven: [], skipped: [], sent: 0 }
        : await pipeline.redrive({ letterIds, actor: principal.subject, dryRun });
    const redriven = new Set(outcome.redriven);
    const rows = records.map((r) => ({
      id: r.id,
      sourceTopic: r.sourceTopic,
      sourcePartition: r.sourcePartition,
      sourceOffset: r.sourceOffset,
      consumers: [...r.consumers],
      outcome: r.refusals.some((l) => redriven.has(l.letterId))
        ? dryRun
          ? ('would be sent' as const)
          : ('sent' as const)
        : ('already re-driven' as const),
    }));
    const already = rows.filter((r) => r.outcome === 'already re-driven').length;
    const meta = answerMeta(answer, now());
    const head =
      rows.length === 0
        ? 'No record matches; nothing to re-drive.'
        : outcome.sent === 0
          ? `Sent nothing: ${already === rows.length ? `all ${rows.length} record(s) were already re-driven` : 'nothing selected is pending'}.`
          : dryRun
            ? `Dry run: would send ${outcome.sent} event(s) back for ${rows.length - already} record(s)${already === 0 ? '' : ` (${already} already re-driven, skipped)`}. Call again with dryRun: false and confirm: true to send.`
            : `Sent ${outcome.sent} event(s) back to their source topics for ${rows.length - already} record(s)${already === 0 ? '' : ` (${already} already re-driven, skipped)`}; audited as ${principal.subject}.`;
    const text = [
      head,
      ...rows
        .slice(0, 20)
        .map((r) => `${r.id} ${r.sourceTopic ?? '?'}@${r.sourceOffset ?? '?'}: ${r.outcome}`),
      ...(moreMatch
        ? [`More records match than one call re-drives (${MAX_REDRIVE_RECORDS}); call again for the rest.`]
        : []),
      answerMetaText(meta),
    ].join('\n');
    return {
      structured: {
        dryRun,
        records: rows,
        sent: outcome.sent,
        alreadyRedriven: already,
        moreMatch,
        ...meta,
      },
      text,
    };
  },
});
