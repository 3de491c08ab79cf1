import type { KafkaMessage } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import type { DecodedEvent, EventCodec, TopicKey } from '../../schemas/index.ts';
import { decodeEvent, type EventDecoding, Poison } from '../../stream-runtime/index.ts';
import type { Buffered } from './partition-run.ts';
import type { RuntimeDefinition } from './runtime-definition.ts';
import type { TableDecoder } from './table-reader.ts';

/** Decodes and validates one input message into what the merge buffers; transient errors are thrown. */
export type InputDecoder = (key: TopicKey, message: KafkaMessage) => Promise<Buffered>;

function invalidTime(key: TopicKey): EaioError {
  return new EaioError(
    'EVENT_INVALID',
    'poison',
    `Event on ${key} has no valid occurredAt; a merged input needs one to be ordered`,
  );
}

/**
 * The processor's decode step: the codec's decoding, then the definition's validator and, for a
 * merged processor, a valid event time (the merge orders by it). A poison event is buffered too,
 * so it is dead-lettered in its turn, inside the transaction that commits past it.
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
  return async (key, message) => {
    const outcome = await decodeEvent(decoding, key, message);
    if (!(outcome instanceof Poison)) return outcome;
    return { message, offset: BigInt(message.offset), occurredAt: Number.NaN, poison: outcome };
  };
}

/** The same step for the global tables' reader, which keeps valid events only. */
export function tableDecoder(decodeInput: InputDecoder): TableDecoder {
  return async (key, message) => {
    const entry = await decodeInput(key, message);
    if (entry.input === undefined) return entry.poison ?? new Poison('validate', invalidTime(key));
    return { ...entry.input, occurredAt: entry.occurredAt };
  };
}
