import type { Kafka } from 'kafkajs';
import type { Logger } from '../../infra/logging/index.ts';
import {
  type ExecutorPoint,
  type Gateway,
  type GatewayPointMap,
  type PublishDeps,
  type RunningExecutor,
  type RunningGateway,
  runGateway,
  startCommandExecutor,
} from '../../sources/index.ts';

/** The setpoints of a map, as the command executor needs them. */
export function executorPointsOf(map: GatewayPointMap): ExecutorPoint[] {
  return map.points.flatMap((p) =>
    p.role === 'setpoint'
      ? [
          {
            pointId: p.pointId,
            buildingId: p.buildingId,
            requiresApproval: p.requiresApproval,
            approvalTimeoutSeconds: p.approvalTimeoutSeconds,
          },
        ]
      : [],
  );
}

/** What a running point map needs of the platform: a way onto Kafka and the control topics to fold. */
export interface StartGatewayDeps {
  readonly publish: PublishDeps;
  readonly kafka: Kafka;
  readonly logger: Logger;
}

export interface StartGatewayOptions {
  /** How often expiries, heartbeats and schedule edges are checked (ms). */
  readonly tickMs: number;
  /** Seconds between health lines; none when absent. */
  readonly healthSeconds?: number;
}

/** One point map running: its runner (registrations, polls) and its command executor. */
export interface StartedGateway {
  readonly map: GatewayPointMap;
  readonly gateway: Gateway;
  readonly runner: RunningGateway;
  readonly executor: RunningExecutor;
  /** Stops the health lines, the executor and the runner, then closes the gateway (a failed close is logged). */
  stop(): Promise<void>;
}

/**
 * Runs a point map as `eaio gateway` does (and `npm start` for its demo devices): connects the gateway
 * (a network that is down at start is logged, not fatal: reads fail, points go stale, commands are
 * refused), registers and polls its points, and runs the command executor for its setpoints.
 * The topics and schemas must exist already.
 */
export async function startGateway(
  deps: StartGatewayDeps,
  map: GatewayPointMap,
  gateway: Gateway,
  options: StartGatewayOptions,
): Promise<StartedGateway> {
  const { publish, kafka, logger } = deps;
  await gateway.connect().catch((error: unknown) => {
    logger.error({ err: error, gatewayId: map.gateway.id }, 'device network not reachable at start');
  });
  const runner = await runGateway({ publish }, map, gateway);
  const executor = await startCommandExecutor({
    publish,
    kafka,
    gateway,
    gatewayId: map.gateway.id,
    mode: map.gateway.mode,
    points: executorPointsOf(map),
    isFresh: (pointId, now) => runner.isFresh(pointId, now),
    tickMs: options.tickMs,
  }).catch(async (error: unknown) => {
    // Nothing may keep polling a device whose commands no one executes.
    await runner.stop();
    await gateway.close().catch(() => undefined);
    throw error;
  });
  const health =
    options.healthSeconds === undefined
      ? undefined
      : setInterval(() => logHealth(logger, map, gateway, runner, executor), options.healthSeconds * 1000);
  return {
    map,
    gateway,
    runner,
    executor,
    async stop() {
      clearInterval(health);
      await executor.stop();
      await runner.stop();
      await gateway.close().catch((error: unknown) => logger.warn({ err: error }, 'gateway close failed'));
    },
  };
}

function logHealth(
  logger: Logger,
  map: GatewayPointMap,
  gateway: Gateway,
  runner: RunningGateway,
  executor: RunningExecutor,
): void {
  const now = new Date();
  const stale = map.points.filter((p) => !runner.isFresh(p.pointId, now)).map((p) => p.pointId);
  logger.info(
    {
      gatewayId: map.gateway.id,
      device: gateway.health(),
      stale,
      runner: runner.totals(),
      executor: executor.stats(),
    },
    'gateway health',
  );
}
