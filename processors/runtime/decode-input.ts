import type { KafkaMessage } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import type { DecodedEvent, EventCodec, TopicKey } from '../../schemas/index.ts';
import { decodeEvent, type EventDecoding, Poison, redrivenElsewhere } from '../../stream-runtime/index.ts';
import type { Buffered } from './partition-run.ts';
import type { RuntimeDefinition } from './runtime-definition.ts';
import type { TableDecoder } from './table-reader.ts';

/**
 * Decodes and validates one input message: the entry to buffer, or {@link Poison}; transient errors
 * are thrown. See {@link buffered} for what the merge keeps of either.
 */
export type InputDecoder = (key: TopicKey, message: KafkaMessage) => Promise<Buffered | Poison>;

function invalidTime(key: TopicKey): EaioError {
  return new EaioError(
    'EVENT_INVALID',
    'poison',
    `Event on ${key} has no valid occurredAt; a merged input needs one to be ordered`,
  );
}

/**
 * The processor's decode step: the codec's decoding, then the definition's validator and, for a
 * merged processor, a valid event time (the merge orders by it).
 */
export function inputDecoder(definition: RuntimeDefinition, codec: EventCodec): InputDecoder {
  const decoding: EventDecoding<TopicKey, DecodedEvent, Buffered> = {
    decode: (key, bytes) => codec.decode(key, bytes),
    validate: (key, decoded, message) => {
      const value = definition.validate(key, decoded.value);
      const occurredAt = (value as { occurredAt?: Date }).occurredAt?.getTime() ?? Number.NaN;
      if (definition.merged && !Number.isFinite(occurredAt)) throw invalidTime(key);
      return { message, offset: BigInt(message.offset), occurredAt, input: { type: decoded.type, value } };
    },
  };
  const consumer = `processor:${definition.name}`;
  // Not an async wrapper: the caller awaits the runtime's decode step itself, one await per message.
  return (key, message) =>
    redrivenElsewhere(message.headers, consumer)
      ? Promise.resolve({ message, offset: BigInt(message.offset), occurredAt: Number.NaN, passOver: true })
      : decodeEvent(decoding, key, message);
}

/**
 * A decoded input as the merge buffers it. A poison event is buffered too, so that it is
 * dead-lettered in its turn, inside the transaction that commits past it.
 */
export function buffered(message: KafkaMessage, outcome: Buffered | Poison): Buffered {
  if (!(outcome instanceof Poison)) return outcome;
  return { message, offset: BigInt(message.offset), occurredAt: Number.NaN, poison: outcome };
}

/** The same step for the global tables' reader, which keeps valid events only. */
export function tableDecoder(decodeInput: InputDecoder): TableDecoder {
  return async (key, message) => {
    const outcome = await decodeInput(key, message);
    if (outcome instanceof Poison) return outcome;
    if (outcome.passOver === true) return undefined;
    if (outcome.input === undefined) return new Poison('validate', invalidTime(key));
    return { ...outcome.input, occurredAt: outcome.occurredAt };
  };
}
