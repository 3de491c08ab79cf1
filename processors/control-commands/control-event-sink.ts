import type { Producer } from 'kafkajs';
import type {
  ControlCommandAction,
  ControlCommandRequested,
  EventCodec,
  TopicNames,
} from '../../schemas/index.ts';
import { controlEventKey } from './build-control-events.ts';

/** Where proposals and actions go: control-commands and control-actions, keyed by building and point. */
export interface ControlEventSink {
  /** Resolves once the broker acknowledged the event (all in-sync replicas). */
  send(event: ControlCommandRequested | ControlCommandAction): Promise<void>;
}

export interface ControlEventSinkDeps {
  /** The process's idempotent producer (connected on first use). */
  readonly producer: () => Promise<Producer>;
  readonly codec: EventCodec;
  readonly names: TopicNames;
}

const isAction = (e: ControlCommandRequested | ControlCommandAction): e is ControlCommandAction =>
  'action' in e;

/**
 * The one way proposals and actions reach Kafka, for the MCP adapter and the CLI alike: Avro-encoded
 * with the registered schema, keyed `${buildingId}/${pointId}` so a point's commands, decisions,
 * actions and outcomes keep their order, acknowledged by all in-sync replicas before it resolves.
 */
export function createControlEventSink({ producer, codec, names }: ControlEventSinkDeps): ControlEventSink {
  return {
    async send(event) {
      const [topic, value] = isAction(event)
        ? [names.topic('controlActions'), await codec.encode('controlActions', event)]
        : [names.topic('controlCommands'), await codec.encode('controlCommands', event)];
      await (await producer()).send({ topic, acks: -1, messages: [{ key: controlEventKey(event), value }] });
    },
  };
}
