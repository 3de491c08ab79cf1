import { randomBytes } from 'node:crypto';
import { context } from '@opentelemetry/api';
import type { Consumer, Kafka } from 'kafkajs';
import { readTopicToEnd } from '../../../infra/kafka/index.ts';
import { extractTraceContext } from '../../../infra/telemetry/index.ts';
import type { TopicKey } from '../../../schemas/index.ts';
import { type PublishDeps, publishEvents } from '../../publish/index.ts';
import { type Gateway, GatewayError } from '../gateway.ts';
import type { GatewayMode } from '../point-map.ts';
import { type CommandState, commandKeyOf, emptyCommand, foldCommand } from './command-state.ts';
import type { CommandEvent } from './control-events.ts';
import { decideStep, type ExecutorPoint, type Step } from './decide-step.ts';
import { type OutcomeFields, outcomeEvent } from './outcome-event.ts';

/** The four topics a command's history lives on, and the kind of event each carries. */
const CONTROL_TOPICS = [
  ['controlCommands', 'request'],
  ['controlDecisions', 'decision'],
  ['controlActions', 'action'],
  ['controlOutcomes', 'outcome'],
] as const satisfies readonly (readonly [TopicKey, CommandEvent['kind']])[];

type ControlTopic = (typeof CONTROL_TOPICS)[number][0];

export interface CommandExecutorDeps {
  /** Producer, codec, topic names and logger; outcomes are produced with it. */
  readonly publish: PublishDeps;
  readonly kafka: Kafka;
  readonly gateway: Gateway;
  /** `source` of the outcomes: the point map's gateway id. */
  readonly gatewayId: string;
  readonly mode: GatewayMode;
  /** The setpoints of the gateway's map: commands to any other point are not this gateway's. */
  readonly points: readonly ExecutorPoint[];
  /** Whether the point's last good read is recent enough to write against (the runner knows). */
  readonly isFresh: (pointId: string, now: Date) => boolean;
  /** Wall clock; injectable for tests, `new Date()` in production. */
  readonly clock?: () => Date;
  /** How often expiries, approval timeouts, heartbeats and schedule edges are checked; 1 s by default. */
  readonly tickMs?: number;
  readonly defaultApprovalTimeoutSeconds?: number;
}

/** Counters of what the executor did, for `eaio gateway` health lines and tests. */
export interface ExecutorStats {
  commands: number;
  writes: number;
  rewrites: number;
  relinquishes: number;
  outcomes: number;
  /** Events on the control topics that could not be decoded (they stay on the log; logged with offsets). */
  undecodable: number;
  /** Outcomes whose send failed; the step is redone on the next tick with the same event id. */
  publishFailures: number;
  deviceErrors: number;
}

export interface RunningExecutor {
  /** What the log and this run's steps say about each of the gateway's commands. */
  commands(): ReadonlyMap<string, CommandState>;
  stats(): Readonly<ExecutorStats>;
  /** Stops the timer and the consumer, after the step in progress. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway's command executor: folds the four control topics from their earliest offset
 * (control volume is small; no consumer-group offsets are kept, so a restart always sees a command's
 * whole history), then follows them live, and after each event and on each tick runs
 * {@link decideStep} for every open command of its points and performs the step on the device. Steps
 * of all commands run one at a time, so two commands never race on a point.
 */
export async function startCommandExecutor(deps: CommandExecutorDeps): Promise<RunningExecutor> {
  const { publish, kafka, gateway, gatewayId } = deps;
  const logger = publish.logger;
  const clock = deps.clock ?? (() => new Date());
  const points = new Map(deps.points.map((p) => [p.pointId, p]));
  const states = new Map<string, CommandState>();
  const heldThisRun = new Set<string>();
  const stats: ExecutorStats = {
    commands: 0,
    writes: 0,
    rewrites: 0,
    relinquishes: 0,
    outcomes: 0,
    undecodable: 0,
    publishFailures: 0,
    deviceErrors: 0,
  };

  const apply = (e: CommandEvent): void => {
    const key = commandKeyOf(e);
    if (!points.has(key.pointId)) return;
    const before = states.get(key.commandId);
    if (before === undefined) stats.commands++;
    states.set(key.commandId, foldCommand(before ?? emptyCommand(key.commandId), e));
  };

  const decode = async (
    topic: ControlTopic,
    kind: CommandEvent['kind'],
    bytes: Buffer | null,
    where: string,
  ) => {
    try {
      const { value } = await publish.codec.decode(topic, bytes);
      return { kind, event: value } as CommandEvent;
    } catch (error) {
      stats.undecodable++;
      logger.error({ err: error, topic, where }, 'control event not decodable; left on the log, skipped');
      return undefined;
    }
  };

  // 1. The history, each topic up to its end now, before anything is decided: a restart must know
  //    which commands it wrote and which expired while it was down.
  const histories = await Promise.all(
    CONTROL_TOPICS.map(async ([topic, kind]) => {
      const messages = await readTopicToEnd(kafka, publish.names.topic(topic));
      const events: CommandEvent[] = [];
      for (const { partition, message } of messages) {
        const e = await decode(topic, kind, message.value, `${partition}@${message.offset}`);
        if (e !== undefined) events.push(e);
      }
      return events;
    }),
  );
  // Requests and decisions before actions and outcomes: folding does not depend on it, but it reads well.
  for (const events of histories) for (const e of events) apply(e);
  logger.info({ gatewayId, commands: states.size }, 'command executor folded the control log');

  // 2. One step at a time, over every open command; re-run while events arrived meanwhile.
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const evaluate = (): Promise<void> => {
    if (running !== null) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        for (const commandId of [...states.keys()]) {
          if (stopped) return;
          // A few steps per command per pass: a write then nothing, or a relinquish then nothing.
          for (let i = 0; i < 4; i++) {
            const more = await stepOnce(commandId).catch((error: unknown) => {
              logger.error({ err: error, commandId }, 'control step failed; retried on the next tick');
              return false;
            });
            if (!more) break;
          }
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const stepOnce = async (commandId: string): Promise<boolean> => {
    const state = states.get(commandId);
    const request = state?.request;
    if (state === undefined || request == null) return false;
    const point = points.get(request.pointId);
    if (point === undefined) return false;
    const now = clock();
    const health = gateway.health();
    const step = decideStep(state, point, {
      mode: deps.mode,
      connected: health.connected,
      fresh: deps.isFresh(request.pointId, now),
      heldThisRun: heldThisRun.has(commandId),
      now,
      ...(deps.defaultApprovalTimeoutSeconds === undefined
        ? {}
        : { defaultApprovalTimeoutSeconds: deps.defaultApprovalTimeoutSeconds }),
    });
    if (step === null) return false;
    const fields = await perform(state, step);
    if (fields === null) return step.kind === 'write' && step.rewrite;
    const outcome = outcomeEvent(state, gatewayId, fields, clock());
    try {
      // The outcome continues the proposal's trace, whatever span happens to be active here.
      await context.with(extractTraceContext(undefined, request.traceContext ?? null), () =>
        publishEvents(publish, 'controlOutcomes', [outcome], (o) => `${o.buildingId}/${o.pointId}`),
      );
    } catch (error) {
      stats.publishFailures++;
      logger.error(
        { err: error, commandId, outcome: outcome.outcome, eventId: outcome.eventId },
        'control outcome not sent; the step is redone on the next tick with the same event id',
      );
      return false;
    }
    stats.outcomes++;
    states.set(commandId, foldCommand(state, { kind: 'outcome', event: outcome }));
    logger.info(
      {
        commandId,
        pointId: request.pointId,
        outcome: outcome.outcome,
        cause: outcome.cause,
        value: outcome.value,
        priority: outcome.priority,
        readBack: outcome.readBack,
      },
      'control outcome',
    );
    return true;
  };

  /** Does the step on the device; the outcome to report, or null when there is none (a restart's rewrite). */
  const perform = async (state: CommandState, step: Step): Promise<OutcomeFields | null> => {
    const request = state.request;
    if (request == null) return null;
    const { pointId, value, priority } = request;
    if (step.kind === 'close') {
      return { outcome: step.outcome, cause: step.cause, deviceMessage: step.message };
    }
    if (step.kind === 'write') {
      try {
        await gateway.write(pointId, value, priority);
      } catch (error) {
        stats.deviceErrors++;
        const message = error instanceof Error ? error.message : String(error);
        logger.warn({ err: error, commandId: state.commandId, pointId, priority }, 'control write failed');
        if (step.rewrite) return null; // Retried next tick; the expiry still ends it.
        // A timed-out write may have landed: release the slot so nothing is left unaccounted for.
        await gateway.relinquish(pointId, priority).catch(() => undefined);
        if (error instanceof GatewayError && error.code === 'disconnected') {
          return { outcome: 'refused', cause: 'gateway_unavailable', priority, deviceMessage: message };
        }
        return { outcome: 'failed', cause: 'device_error', value, priority, deviceMessage: message };
      }
      heldThisRun.add(state.commandId);
      if (step.rewrite) {
        stats.rewrites++;
        logger.info(
          { commandId: state.commandId, pointId, priority },
          'restored an active command after restart',
        );
        return null;
      }
      stats.writes++;
      const readBack = await readBackOf(pointId);
      const note =
        readBack.value === null
          ? `written; read-back failed: ${readBack.message}`
          : readBack.value !== value
            ? `read back ${readBack.value}, not ${value}: a higher priority holds the point`
            : null;
      return {
        outcome: 'acknowledged',
        cause: null,
        value,
        priority,
        readBack: readBack.value,
        deviceMessage: note,
      };
    }
    try {
      await gateway.relinquish(pointId, priority);
    } catch (error) {
      stats.deviceErrors++;
      // Not reported as an outcome: the command still holds the point, so the relinquish is retried.
      logger.error(
        { err: error, commandId: state.commandId, pointId, priority },
        'relinquish failed; retrying',
      );
      return null;
    }
    stats.relinquishes++;
    heldThisRun.delete(state.commandId);
    const readBack = await readBackOf(pointId);
    return {
      outcome: 'relinquished',
      cause: step.cause,
      priority,
      readBack: readBack.value,
      deviceMessage: readBack.value === null ? `read-back failed: ${readBack.message}` : null,
    };
  };

  const readBackOf = async (pointId: string): Promise<{ value: number | null; message: string }> => {
    try {
      const [read] = await gateway.read([pointId]);
      if (read?.ok) return { value: read.value, message: '' };
      return { value: null, message: read === undefined ? 'no answer' : read.message };
    } catch (error) {
      return { value: null, message: error instanceof Error ? error.message : String(error) };
    }
  };

  // 3. Live: a consumer of its own (a fresh group each start, from the beginning; folding dedupes what
  //    the history already held), then the timer that moves time-driven steps.
  const groupId = `eaio-gateway-executor-${gatewayId.replaceAll(/[^\w.-]/g, '_')}-${randomBytes(4).toString('hex')}`;
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect();
  const topicKinds = new Map<string, readonly [ControlTopic, CommandEvent['kind']]>(
    CONTROL_TOPICS.map(([topic, kind]) => [publish.names.topic(topic), [topic, kind] as const]),
  );
  await consumer.subscribe({ topics: [...topicKinds.keys()], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const tk = topicKinds.get(topic);
      if (tk === undefined) return;
      const e = await decode(tk[0], tk[1], message.value, `${partition}@${message.offset}`);
      if (e === undefined) return;
      apply(e);
      void evaluate();
    },
  });

  const tick = setInterval(() => void evaluate(), deps.tickMs ?? 1000);
  await evaluate();

  return {
    commands: () => states,
    stats: () => ({ ...stats }),
    async stop() {
      stopped = true;
      clearInterval(tick);
      await running;
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      // The group was this run's only; nothing reads its offsets again.
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
