import type { Producer } from 'kafkajs';
import type { TopicKey } from '../../../schemas/index.ts';
import type { TestPlatform } from '../../support/test-platform.ts';
import { RECORD_ID_HEADER } from './dead-letters.ts';
import type { AckLedger } from './ledger.ts';

/** A record sent as bytes, not through the codec: poison, or a reading sent beside its twin. */
export interface RawRecord {
  /** The scenario's id of the record, carried in {@link RECORD_ID_HEADER} and kept by its letters. */
  readonly id: string;
  readonly key: string | null;
  readonly value: Buffer | null;
}

/**
 * Sends raw records in chunks with the platform's idempotent producer, acks from all in-sync
 * replicas, each tagged with its id. Returns the ids the broker acknowledged; a failed chunk's ids
 * are left out and recorded as unacknowledged in the ledger.
 */
export async function sendRawRecords(
  platform: TestPlatform,
  topic: TopicKey,
  records: readonly RawRecord[],
  ledger?: AckLedger,
  chunk = 200,
): Promise<string[]> {
  const producer: Producer = await platform.producer();
  const acked: string[] = [];
  for (let i = 0; i < records.length; i += chunk) {
    const slice = records.slice(i, i + chunk);
    try {
      await producer.send({
        topic: platform.names.topic(topic),
        acks: -1,
        messages: slice.map((r) => ({ key: r.key, value: r.value, headers: { [RECORD_ID_HEADER]: r.id } })),
      });
      acked.push(...slice.map((r) => r.id));
    } catch {
      ledger?.recordUnacked(slice.map((r) => r.id));
    }
  }
  return acked;
}
