import type { Kafka } from 'kafkajs';
import { readTopicToEnd } from '../../../infra/kafka/index.ts';
import { readEvents } from '../../support/processor-runs.ts';
import type { TestPlatform } from '../../support/test-platform.ts';
import { waitFor } from '../../support/wait-for.ts';
import type { AckLedger, ReadingsCheck } from './ledger.ts';

/** What a topic or table holds against the ledger, counted by event id. */
export interface EventIdCheck {
  readonly count: number;
  readonly lost: readonly string[];
  readonly duplicated: number;
  /** Events present that were never acknowledged: allowed (a timed-out send may still land), reported. */
  readonly unacknowledgedStored: number;
}

/**
 * Compares event ids found downstream (a processor's output, a topic) with the ledger: every
 * acknowledged event once, nothing twice. The ledger's `checkReadings` does the same for the readings table.
 */
export function checkEventIds(ledger: AckLedger, ids: Iterable<string>): EventIdCheck {
  const seen = new Map<string, number>();
  let count = 0;
  for (const id of ids) {
    count++;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  let duplicated = 0;
  let unacknowledgedStored = 0;
  for (const [id, n] of seen) {
    duplicated += n - 1;
    if (!ledger.acknowledged.has(id)) unacknowledgedStored++;
  }
  const lost = [...ledger.acknowledged].filter((id) => !seen.has(id));
  return { count, lost, duplicated, unacknowledgedStored };
}

/** Messages on `topics` up to their ends now (commit markers of transactional writers not counted). */
export async function countMessages(kafka: Kafka, topics: readonly string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) total += (await readTopicToEnd(kafka, topic)).length;
  return total;
}

/** The readings table and the readings-by-building output against the ledger, and the letters of both. */
export interface ReadingsAndOutput {
  readonly table: ReadingsCheck;
  readonly output: EventIdCheck;
  readonly deadLettered: number;
}

/** Checks both places the R5/R6 pipeline (projector + readings-by-building) writes every reading to. */
export async function checkReadingsAndOutput(p: TestPlatform, ledger: AckLedger): Promise<ReadingsAndOutput> {
  const table = await ledger.checkReadings(p.pool);
  const output = checkEventIds(
    ledger,
    (await readEvents(p, 'readingsByBuilding')).map((e) => e.value.eventId),
  );
  const deadLettered = await countMessages(p.kafka, [
    p.names.deadLetter('sensorReadings'),
    p.names.deadLetter('readingsByBuilding'),
  ]);
  return { table, output, deadLettered };
}

/**
 * Waits up to `limitMs` for every acknowledged event to be in the readings table and in the
 * processor's output; returns the milliseconds from `since` until it was, or null when it never was
 * (not thrown: the scenario writes its figures either way, then asserts).
 */
export async function recoveryOfReadingsAndOutput(
  p: TestPlatform,
  ledger: AckLedger,
  since: number,
  limitMs: number,
): Promise<number | null> {
  const recoveredAt = await waitFor(
    'every acknowledged event in the readings table and the processor output',
    async () => {
      if ((await ledger.checkReadings(p.pool)).lost.length > 0) return undefined;
      const ids = (await readEvents(p, 'readingsByBuilding')).map((e) => e.value.eventId);
      return checkEventIds(ledger, ids).lost.length > 0 ? undefined : Date.now();
    },
    { timeoutMs: limitMs, intervalMs: 500 },
  ).catch(() => undefined);
  return recoveredAt === undefined ? null : recoveredAt - since;
}
