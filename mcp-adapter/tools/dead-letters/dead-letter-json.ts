import { z } from 'zod';
import type { DeadLetterSummary } from '../../../projections/index.ts';

/** A failed source record as the dead-letter tools answer it. */
export const deadLetterEntryOutput = z.object({
  id: z
    .string()
    .describe('Id of the record: its first letter, dlqTopic/partition/offset. Pass it to show or re-drive.'),
  dlqTopic: z.string(),
  sourceTopic: z.string().nullable().describe('Where the event sat before it failed; null when unknown.'),
  sourcePartition: z.number().int().nullable(),
  sourceOffset: z.string().nullable(),
  firstFailedAt: z.string().nullable(),
  lastFailedAt: z.string().nullable(),
  consumers: z.array(z.string()).describe('The consumers that refused it: projector, processor:<name>.'),
  errorCodes: z.array(z.string()),
  redriven: z.boolean().describe('True once it was sent back to its source topic.'),
  redrivenFrom: z
    .string()
    .nullable()
    .describe('The letter whose re-drive failed again as this record, when it is one.'),
  refusals: z
    .array(
      z.object({
        letterId: z.string(),
        consumer: z.string().nullable(),
        stage: z.string().nullable().describe('Where it failed: decode, validate, process:<name>.'),
        errorCode: z.string().nullable(),
        errorClass: z.string().nullable(),
        errorMessage: z.string().nullable().describe('The reason, as the consumer gave it.'),
        failedAt: z.string().nullable(),
        attempts: z.number().int().nullable(),
        redrivenAt: z.string().nullable(),
        redrivenBy: z.string().nullable(),
      }),
    )
    .describe('One per consumer that dead-lettered it (one letter each).'),
});

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

/** The JSON of one failed source record. */
export function deadLetterEntryJson(e: DeadLetterSummary): z.input<typeof deadLetterEntryOutput> {
  return {
    id: e.id,
    dlqTopic: e.dlqTopic,
    sourceTopic: e.sourceTopic,
    sourcePartition: e.sourcePartition,
    sourceOffset: e.sourceOffset,
    firstFailedAt: iso(e.firstFailedAt),
    lastFailedAt: iso(e.lastFailedAt),
    consumers: [...e.consumers],
    errorCodes: [...e.errorCodes],
    redriven: e.redriven,
    redrivenFrom: e.redrivenFrom,
    refusals: e.refusals.map((r) => ({
      letterId: r.letterId,
      consumer: r.consumer,
      stage: r.stage,
      errorCode: r.errorCode,
      errorClass: r.errorClass,
      errorMessage: r.errorMessage,
      failedAt: iso(r.failedAt),
      attempts: r.attempts,
      redrivenAt: iso(r.redrivenAt),
      redrivenBy: r.redrivenBy,
    })),
  };
}

/** One line for the model: where the record sat, who refused it and why. */
export function deadLetterLine(e: DeadLetterSummary): string {
  const at =
    e.sourceTopic === null ? 'unknown position' : `${e.sourceTopic}[${e.sourcePartition}]@${e.sourceOffset}`;
  const why = e.refusals
    .map((r) => `${r.consumer ?? r.stage ?? '?'}: ${r.errorCode ?? '?'} ${r.errorMessage ?? ''}`.trim())
    .join('; ');
  return `${e.id} ${at}${e.redriven ? ' (re-driven)' : ''} - ${why}`;
}

/** Fields shared by the listing's and the re-drive's filters. */
export const deadLetterFilterFields = {
  topic: z
    .string()
    .min(1)
    .max(249)
    .optional()
    .describe("Source topic, e.g. 'sensor-readings' (the deployment's topic prefix may be left out)."),
  consumer: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "Only records this consumer refused: 'projector' or 'processor:<name>', e.g. processor:anomalies.",
    ),
  errorCode: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Only records refused with this error code, e.g. 'SCHEMA_FRAMING', 'EVENT_OUT_OF_RANGE'."),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only records that last failed at or after this time, ISO 8601 with a zone.'),
};
