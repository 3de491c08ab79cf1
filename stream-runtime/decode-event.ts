import type { KafkaMessage } from 'kafkajs';
import { isTransient } from '../infra/errors/index.ts';

/** The step at which an event was found to be poison: its bytes, or its decoded value. */
export type PoisonStage = 'decode' | 'validate';

/**
 * An event that can never be handled, and why: the outcome of {@link decodeEvent} for a message to
 * dead-letter. A class rather than a tagged object so that valid values need no wrapper (one
 * allocation less per message on the hot path) and `instanceof` tells the two apart.
 */
export class Poison {
  readonly stage: PoisonStage;
  readonly error: unknown;

  constructor(stage: PoisonStage, error: unknown) {
    this.stage = stage;
    this.error = error;
  }
}

/**
 * How a consumer turns one message of a topic into the value it handles. The runtime knows no
 * schema: callers hand it the codec's decode and their own validators.
 */
export interface EventDecoding<K, D, V> {
  /**
   * The message's bytes decoded. Throwing a transient error (e.g. the registry unreachable) fails
   * the batch; any other error makes the event poison at stage `decode`.
   */
  readonly decode: (key: K, bytes: Buffer | null) => Promise<D>;
  /**
   * The decoded value checked and shaped into what the consumer keeps. Throwing a transient error
   * fails the batch; any other error makes the event poison at stage `validate`.
   */
  readonly validate: (key: K, decoded: D, message: KafkaMessage) => V;
}

/**
 * Decodes and validates one message: its value, or {@link Poison} naming the stage that refused it.
 * Transient failures are rethrown, so the batch fails and is redelivered instead of dead-lettering
 * an event that is not at fault.
 */
export async function decodeEvent<K, D, V>(
  decoding: EventDecoding<K, D, V>,
  key: K,
  message: KafkaMessage,
): Promise<V | Poison> {
  let decoded: D;
  try {
    decoded = await decoding.decode(key, message.value);
  } catch (error) {
    if (isTransient(error)) throw error;
    return new Poison('decode', error);
  }
  try {
    return decoding.validate(key, decoded, message);
  } catch (error) {
    if (isTransient(error)) throw error;
    return new Poison('validate', error);
  }
}
