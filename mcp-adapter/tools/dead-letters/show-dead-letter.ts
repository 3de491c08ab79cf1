import { z } from 'zod';
import type { QueryLayer } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { type PipelineReads, pipelineOf } from '../../pipeline-admin.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { deadLetterEntryJson, deadLetterEntryOutput, deadLetterLine } from './dead-letter-json.ts';
import { requireEveryTenant } from './platform-wide.ts';

export const letterIdInput = z
  .string()
  .regex(/^.+\/\d+\/\d+$/, 'a dead letter id is dlqTopic/partition/offset')
  .max(300)
  .describe(
    "Id of a dead letter, dlqTopic/partition/offset, as list_dead_letters gives it (e.g. 'sensor-readings.dlq/0/3').",
  );

export const showDeadLetterInput = z.object({ id: letterIdInput });

export const showDeadLetterOutput = z.object({
  entry: deadLetterEntryOutput,
  key: z.string().nullable().describe('The original message key, as text.'),
  valueBytes: z.number().int().nullable().describe('Size of the original value.'),
  record: z
    .object({
      headers: z
        .record(z.string(), z.string())
        .describe("Every header of the letter: reason headers and the event's own."),
      valueBase64: z.string().nullable().describe('The original bytes, base64.'),
      decoded: z
        .unknown()
        .optional()
        .describe('The original event decoded with its schema, when it decodes.'),
      decodeError: z.string().optional().describe('Why it does not decode, when it does not.'),
    })
    .nullable()
    .describe('The first letter as its dead-letter topic holds it; null when retention removed it.'),
  redrives: z
    .array(
      z.object({
        letterId: z.string(),
        redrivenAt: z.string(),
        redrivenBy: z.string().describe('Who re-drove it, as the audit record names them.'),
        auditEventId: z.string(),
      }),
    )
    .describe('Its re-drive history.'),
  failedAgainAs: z.array(z.string()).describe('Ids of the records a re-drive of it failed again as.'),
  ...answerMetaOutput,
});

/** `show_dead_letter`: one failed source record in full. */
export const showDeadLetter = defineTool({
  name: TOOL_NAMES.showDeadLetter,
  title: 'One dead letter in full',
  description:
    'Shows one failed source record in full: every consumer that refused it with error code and reason, its headers, the original record decoded when it decodes (else why not), and its re-drive history (who sent it back when, and whether it failed again).',
  input: showDeadLetterInput,
  output: showDeadLetterOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.admin,
  async handle(
    { id },
    { queries, principal, now }: ToolContext<Pick<QueryLayer, 'deadLetter'> & PipelineReads>,
  ) {
    requireEveryTenant(principal);
    const pipeline = pipelineOf(queries);
    const answer = await queries.deadLetter(id);
    const detail = answer.data;
    if (detail === undefined) {
      throw new ToolRefusal(
        `No dead letter '${id}' is in the dead-letter index. Ids are dlqTopic/partition/offset as list_dead_letters gives them; a letter written moments ago may not be indexed yet, so retry in a few seconds.`,
      );
    }
    const meta = answerMeta(answer, now());
    const raw = await pipeline.deadLetterRecord(detail.id);
    const record =
      raw === undefined
        ? null
        : {
            headers: { ...raw.headers },
            valueBase64: raw.valueBase64,
            ...(raw.decoded === undefined ? {} : { decoded: raw.decoded }),
            ...(raw.decodeError === undefined ? {} : { decodeError: raw.decodeError }),
          };
    const redrives = detail.redrives.map((r) => ({
      letterId: r.letterId,
      redrivenAt: r.redrivenAt.toISOString(),
      redrivenBy: r.redrivenBy,
      auditEventId: r.auditEventId,
    }));
    const text = [
      deadLetterLine(detail),
      record === null
        ? 'The letter is no longer in its topic (retention).'
        : record.decodeError === undefined
          ? `Original record (${raw?.valueBytes ?? 0} bytes) decodes: ${JSON.stringify(record.decoded).slice(0, 500)}`
          : `Original record (${raw?.valueBytes ?? 0} bytes) does not decode: ${record.decodeError}`,
      redrives.length === 0
        ? 'Never re-driven.'
        : `Re-driven: ${redrives.map((r) => `${r.redrivenAt} by ${r.redrivenBy}`).join('; ')}${detail.failedAgainAs.length === 0 ? '' : `; failed again as ${detail.failedAgainAs.join(', ')}`}.`,
      answerMetaText(meta),
    ].join('\n');
    return {
      structured: {
        entry: deadLetterEntryJson(detail),
        key: detail.key,
        valueBytes: detail.valueBytes,
        record,
        redrives,
        failedAgainAs: [...detail.failedAgainAs],
        ...meta,
      },
      text,
    };
  },
});
