import type { DataQualityIssue, SensorReading, TopicValue } from '../../../schemas/index.ts';
import { derivedEventId } from '../../../schemas/index.ts';
import { type PublishDeps, publishEvents } from '../../publish/index.ts';
import type { Gateway, PointRead } from '../gateway.ts';
import { DEFAULT_VALUE_REFRESH_SECONDS, type GatewayMode, type GatewayPoint } from '../point-map.ts';
import { meterStep } from './meter-counters.ts';
import { registrationsOf } from './registrations.ts';
import { type ReportedValue, shouldReportValue } from './report-by-exception.ts';

/** The protocol-neutral part of any protocol's parsed point map. */
export interface GatewayPointMap {
  readonly gateway: {
    readonly id: string;
    readonly mode: GatewayMode;
    readonly defaultPriority: number;
    readonly staleAfterPolls: number;
    /** Seconds after which an unchanged value is reported again; 300 when absent. */
    readonly valueRefreshSeconds?: number;
  };
  readonly points: readonly GatewayPoint[];
}

export interface RunGatewayDeps {
  readonly publish: PublishDeps;
  /** Wall clock; injectable for tests. */
  readonly clock?: () => Date;
}

/** Per-point counters, for health lines and tests. */
export interface PointStats {
  reads: number;
  failedReads: number;
  lastError: string | null;
  lastGoodAt: Date | null;
}

export interface RunningGateway {
  /** Whether the point's last good read is younger than staleAfterPolls x pollSeconds (false before any). */
  isFresh(pointId: string, now: Date): boolean;
  points(): ReadonlyMap<string, Readonly<PointStats>>;
  /** Events produced and sends that failed (each logged), since start. */
  totals(): { published: number; publishFailures: number; backwardsCounters: number; skippedPolls: number };
  /** Stops polling and COV, after the reads in flight; does not close the gateway. */
  stop(): Promise<void>;
}

/**
 * Runs a gateway's points onto the platform: registrations first (meters, control points), then each
 * group of points with the same poll interval read together on its own timer, and COV where the
 * protocol pushes. Meter reads become SensorReadings (a cumulative counter's difference between reads),
 * sensor and setpoint reads PointValueObserved. A failed read is logged and counted and produces no
 * event, so the point's staleness clock keeps running and commands to it are refused when it is stale.
 * A poll still in flight when its next tick comes is not doubled (the tick is skipped and counted).
 */
export async function runGateway(
  deps: RunGatewayDeps,
  map: GatewayPointMap,
  gateway: Gateway,
): Promise<RunningGateway> {
  const { publish } = deps;
  const logger = publish.logger;
  const clock = deps.clock ?? (() => new Date());
  const gatewayId = map.gateway.id;
  const byId = new Map(map.points.map((p) => [p.pointId, p]));
  const stats = new Map<string, PointStats>(
    map.points.map((p) => [p.pointId, { reads: 0, failedReads: 0, lastError: null, lastGoodAt: null }]),
  );
  const totals = { published: 0, publishFailures: 0, backwardsCounters: 0, skippedPolls: 0 };
  const counters = new Map<string, number>();
  const reported = new Map<string, ReportedValue>();
  const refreshMs = (map.gateway.valueRefreshSeconds ?? DEFAULT_VALUE_REFRESH_SECONDS) * 1000;

  const send = async <
    K extends 'meters' | 'controlPoints' | 'sensorReadings' | 'pointValues' | 'dataQualityIssues',
  >(
    topic: K,
    events: readonly TopicValue<K>[],
    keyOf: (e: TopicValue<K>) => string,
  ): Promise<void> => {
    if (events.length === 0) return;
    try {
      await publishEvents(publish, topic, events, keyOf);
      totals.published += events.length;
    } catch (error) {
      totals.publishFailures += events.length;
      logger.error({ err: error, topic, count: events.length }, 'gateway events not sent');
    }
  };

  const registrations = registrationsOf(gatewayId, map.points, clock());
  // Registrations must land before readings refer to them: not caught, a failure stops the start.
  await publishEvents(publish, 'meters', registrations.meters, (m) => m.meterId);
  await publishEvents(publish, 'controlPoints', registrations.controlPoints, (p) => p.pointId);
  totals.published += registrations.meters.length + registrations.controlPoints.length;

  const handle = async (reads: readonly PointRead[]): Promise<void> => {
    const readings: SensorReading[] = [];
    const values: TopicValue<'pointValues'>[] = [];
    const issues: DataQualityIssue[] = [];
    for (const read of reads) {
      const point = byId.get(read.pointId);
      const s = stats.get(read.pointId);
      if (point === undefined || s === undefined) continue;
      s.reads++;
      if (!read.ok) {
        s.failedReads++;
        const error = `${read.code}: ${read.message}`;
        // Said once per change of error, not at every poll of a point that stays down.
        const log = s.lastError === error ? logger.debug.bind(logger) : logger.warn.bind(logger);
        log(
          { pointId: read.pointId, code: read.code, message: read.message, failedReads: s.failedReads },
          'point read failed',
        );
        s.lastError = error;
        continue;
      }
      if (s.lastError !== null) logger.info({ pointId: read.pointId }, 'point reads again');
      s.lastGoodAt = read.at;
      s.lastError = null;
      if (point.role !== 'meter') {
        if (
          !shouldReportValue(
            reported.get(point.pointId),
            read.value,
            read.at,
            point.covIncrement ?? 0,
            refreshMs,
          )
        )
          continue;
        reported.set(point.pointId, { value: read.value, at: read.at });
        values.push({
          eventId: derivedEventId('point-value', gatewayId, point.pointId, read.at.toISOString()),
          occurredAt: read.at,
          source: gatewayId,
          buildingId: point.buildingId,
          pointId: point.pointId,
          value: read.value,
          unit: point.unit,
        });
        continue;
      }
      const step = meterStep(point.valueIs, counters.get(point.pointId), read.value);
      counters.set(point.pointId, read.value);
      if (step.kind === 'reading') {
        readings.push({
          eventId: derivedEventId('gateway-reading', gatewayId, point.pointId, read.at.toISOString()),
          occurredAt: read.at,
          source: gatewayId,
          buildingId: point.buildingId,
          meterId: point.pointId,
          meterKind: point.meterKind,
          value: step.value,
          unit: point.unit,
          qualityFlags: [],
        });
      } else if (step.kind === 'backwards') {
        totals.backwardsCounters++;
        logger.warn({ meterId: point.pointId, ...step }, 'meter counter went backwards; new baseline');
        issues.push({
          eventId: derivedEventId(
            'gateway-counter-backwards',
            gatewayId,
            point.pointId,
            read.at.toISOString(),
          ),
          occurredAt: read.at,
          source: gatewayId,
          buildingId: point.buildingId,
          meterId: point.pointId,
          issueKind: 'out_of_order',
          readingAt: read.at,
          evidence: {
            reason:
              'cumulative counter went backwards (reset, rollover or replaced meter); no reading produced',
            previous: String(step.previous),
            current: String(step.current),
          },
          severity: 'warning',
        });
      }
    }
    await Promise.all([
      send('sensorReadings', readings, (r) => r.meterId),
      send('pointValues', values, (v) => v.pointId),
      send('dataQualityIssues', issues, (i) => i.meterId),
    ]);
  };

  // One timer per poll interval; a group's read is never started twice at once.
  const groups = new Map<number, string[]>();
  for (const p of map.points) groups.set(p.pollSeconds, [...(groups.get(p.pollSeconds) ?? []), p.pointId]);
  const inFlight = new Set<Promise<void>>();
  const busy = new Set<number>();
  const poll = (seconds: number, ids: readonly string[]): void => {
    if (busy.has(seconds)) {
      totals.skippedPolls++;
      return;
    }
    busy.add(seconds);
    const run = (async () => {
      try {
        await handle(await gateway.read(ids));
      } catch (error) {
        // The interface does not throw for a point's failure; anything thrown is the whole group's.
        const at = clock();
        const message = error instanceof Error ? error.message : String(error);
        await handle(
          ids.map((pointId) => ({ pointId, ok: false, code: 'disconnected', message, at }) as const),
        );
      } finally {
        busy.delete(seconds);
      }
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };
  const timers = [...groups].map(([seconds, ids]) => {
    poll(seconds, ids);
    return setInterval(() => poll(seconds, ids), seconds * 1000);
  });

  let unsubscribe: (() => Promise<void>) | null = null;
  try {
    unsubscribe = await gateway.subscribe(
      map.points.filter((p) => p.role !== 'meter').map((p) => p.pointId),
      (read) => {
        const run = handle([read]);
        inFlight.add(run);
        void run.finally(() => inFlight.delete(run));
      },
    );
  } catch (error) {
    logger.warn({ err: error, gatewayId }, 'COV subscription refused; the points are polled');
  }

  return {
    isFresh(pointId, now) {
      const point = byId.get(pointId);
      const last = stats.get(pointId)?.lastGoodAt;
      if (point === undefined || last == null) return false;
      return now.getTime() - last.getTime() <= map.gateway.staleAfterPolls * point.pollSeconds * 1000;
    },
    points: () => stats,
    totals: () => ({ ...totals }),
    async stop() {
      for (const t of timers) clearInterval(t);
      await unsubscribe?.().catch((error: unknown) => logger.warn({ err: error }, 'COV unsubscribe failed'));
      await Promise.all(inFlight);
    },
  };
}
