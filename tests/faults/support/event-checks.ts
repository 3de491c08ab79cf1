import type { Kafka } from 'kafkajs';
import { readTopicToEnd } from '../../../infra/kafka/index.ts';
import type { AckLedger } from './ledger.ts';

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
