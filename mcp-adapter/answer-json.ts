import { z } from 'zod';
import type { Answer } from '../projections/index.ts';

/**
 * The fields every query-layer tool answer carries beside its data: where it was read from, how
 * recent its events are, and whether it is a last good answer served while PostgreSQL was down.
 */
export const answerMetaOutput = {
  provenance: z
    .array(
      z.object({
        readModel: z.string().describe('The read model that answered.'),
        generation: z.number().int().nullable().describe('Its active generation; null if never built.'),
        offsets: z
          .array(
            z.object({
              topic: z.string(),
              partition: z.number().int(),
              nextOffset: z.string().describe('Every event before this offset is reflected.'),
            }),
          )
          .describe('Per topic-partition, the log position the answer reflects.'),
        lastAppliedAt: z
          .string()
          .nullable()
          .describe('When the projector last applied events to it (wall clock, ISO 8601).'),
      }),
    )
    .describe('The read models the answer was read from.'),
  dataUntil: z.string().nullable().describe('Event time of the newest data behind the answer, ISO 8601.'),
  dataAgeMs: z.number().nullable().describe('How old dataUntil was when answered, in milliseconds.'),
  asOf: z
    .string()
    .optional()
    .describe(
      'Present when the call gave asOf: the instant applied (ISO 8601); only events with event time up to it are reflected, and dataUntil never exceeds it.',
    ),
  stale: z
    .boolean()
    .describe('True when this is the last good answer, served while the read models are unreadable.'),
  cached: z
    .boolean()
    .optional()
    .describe(
      'True when the answer was served from the tool-result cache (no newer events of what it covers have arrived since it was read).',
    ),
  staleSince: z.string().optional().describe('When a stale answer was last read fresh, ISO 8601.'),
  ageMs: z.number().optional().describe('Age of a stale answer, in milliseconds.'),
  reason: z.string().optional().describe('Why a stale answer was served instead of a fresh one.'),
};

const answerMetaSchema = z.object(answerMetaOutput);
/** The JSON of {@link answerMetaOutput}. */
export type AnswerMeta = z.input<typeof answerMetaSchema>;

/**
 * The provenance, freshness and staleness of an answer, as JSON (dates as ISO 8601 text). `cached` is
 * set by the registration, which knows whether the cache answered; a tool leaves it out.
 */
export function answerMeta(answer: Answer<unknown>, now: number, cached?: boolean): AnswerMeta {
  const meta: AnswerMeta = {
    provenance: answer.provenance.map((p) => ({
      readModel: p.projection,
      generation: p.generation,
      offsets: p.offsets.map((o) => ({ topic: o.topic, partition: o.partition, nextOffset: o.nextOffset })),
      lastAppliedAt: p.lastAppliedAt?.toISOString() ?? null,
    })),
    dataUntil: answer.dataUntil?.toISOString() ?? null,
    dataAgeMs: answer.dataUntil === null ? null : Math.max(0, now - answer.dataUntil.getTime()),
    ...(answer.asOf === undefined ? {} : { asOf: answer.asOf.toISOString() }),
    stale: answer.stale,
    ...(cached === undefined ? {} : { cached }),
  };
  return answer.stale
    ? { ...meta, staleSince: answer.staleSince.toISOString(), ageMs: answer.ageMs, reason: answer.reason }
    : meta;
}

/**
 * The meta of an answer made of several query-layer answers: every read model each was read from
 * (once each), the newest data behind any of them, and stale when any part was a last good answer.
 */
export function combinedAnswerMeta(answers: readonly Answer<unknown>[], now: number): AnswerMeta {
  const metas = answers.map((a) => answerMeta(a, now));
  const seen = new Set<string>();
  const provenance = metas
    .flatMap((m) => m.provenance)
    .filter((p) => !seen.has(p.readModel) && seen.add(p.readModel) !== undefined);
  const until = metas
    .map((m) => m.dataUntil)
    .filter((d): d is string => d !== null)
    .reduce<string | null>((max, d) => (max === null || Date.parse(d) > Date.parse(max) ? d : max), null);
  const stale = metas.find((m) => m.stale);
  // The parts of one call are read with the same asOf, if any.
  const asOf = metas.find((m) => m.asOf !== undefined)?.asOf;
  return {
    provenance,
    dataUntil: until,
    dataAgeMs: until === null ? null : Math.max(0, now - Date.parse(until)),
    ...(asOf === undefined ? {} : { asOf }),
    stale: stale !== undefined,
    ...(stale === undefined
      ? {}
      : {
          ...(stale.staleSince === undefined ? {} : { staleSince: stale.staleSince }),
          ...(stale.ageMs === undefined ? {} : { ageMs: stale.ageMs }),
          ...(stale.reason === undefined ? {} : { reason: stale.reason }),
        }),
  };
}

/** One or two lines for the model: what the answer was read from and, for a stale one, how old it is. */
export function answerMetaText(meta: AnswerMeta): string {
  const models = meta.provenance
    .map(
      (p) => `${p.readModel} (generation ${p.generation ?? 'none'}, applied ${p.lastAppliedAt ?? 'never'})`,
    )
    .join(', ');
  const lines = [
    `Read from ${models || "the projection engine's generation and offset tables"}; data until ${meta.dataUntil ?? 'none'}${meta.asOf === undefined ? '' : ` (as of ${meta.asOf}: later events left out)`}.`,
  ];
  if (meta.stale) {
    lines.push(
      `STALE: last good answer from ${meta.staleSince} (${Math.round((meta.ageMs ?? 0) / 1000)} s old), served because ${meta.reason}`,
    );
  }
  return lines.join('\n');
}

/** A number as the text summaries show it: at most three decimals. */
export const round = (x: number): number => Math.round(x * 1000) / 1000;
