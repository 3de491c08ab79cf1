import { setTimeout as sleep } from 'node:timers/promises';
import { EaioError } from '../../infra/errors/index.ts';
import {
  derivedEventId,
  type MeterRegistered,
  type SensorReading,
  type WeatherObservation,
} from '../../schemas/index.ts';
import { type PublishDeps, publishBuildings, publishEvents, publishReadings } from '../publish/index.ts';
import { createFaultInjector, FAULT_KINDS, type FaultKind, type FaultRates } from './faults.ts';
import type { Fleet } from './fleet.ts';
import type { GroundTruthSink } from './ground-truth.ts';
import { simulatedValue } from './load-model.ts';
import { createLocalCalendar, type LocalTime } from './local-calendar.ts';
import type { ObservationSource, TemperatureSource } from './weather-replay.ts';

/** The `source` of the buildings, meters and readings the simulator produces. */
export const SIMULATOR_SOURCE = 'simulator';

/** How a simulation runs and when it stops (whichever of count, until, duration and signal comes first). */
export interface SimulationSettings {
  readonly fleet: Fleet;
  readonly temperatures: TemperatureSource;
  /** Weather to produce onto the observations topic alongside the readings; none when absent. */
  readonly observations?: ObservationSource;
  readonly seed: number;
  /** Interval each meter reports at; every reading covers the interval ending at its time. */
  readonly intervalMs: number;
  /** Simulated time per wall-clock time after the backfill; `Infinity`: as fast as the producer goes. */
  readonly speed: number;
  /** Simulated time before now produced first, at full speed. Ignored when `start` is given. */
  readonly backfillMs: number;
  /** First simulated instant; `now − backfillMs` by default. Everything up to now is produced at full speed. */
  readonly start?: Date;
  readonly faults: FaultRates;
  readonly groundTruth?: GroundTruthSink;
  /** Stop after this many generated readings (before faults withhold or repeat any). */
  readonly count?: number;
  /** Stop before the first step after this simulated instant. */
  readonly until?: Date;
  /** Stop after this much wall-clock time. */
  readonly durationMs?: number;
  /** Stops the simulation early (Ctrl+C). */
  readonly signal?: AbortSignal;
  /** Messages per send, at most; 5 000 by default. */
  readonly batchSize?: number;
  /** Wall clock; `new Date()` by default. */
  readonly clock?: () => Date;
  /** Told after each send, for progress lines. */
  readonly onProgress?: (progress: SimulationSummary) => void;
}

/** What a simulation produced. */
export interface SimulationSummary {
  readonly buildings: number;
  readonly meters: number;
  /** Readings the load model generated. */
  readonly generated: number;
  /** SensorReading messages produced (generated − withheld + duplicated). */
  readonly readings: number;
  readonly observations: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  /** Simulated instants of the first and the last step, ISO 8601; null before the first. */
  readonly from: string | null;
  readonly to: string | null;
}

/** Id of a generated reading: a function of seed, meter and simulated time, so a re-run is idempotent. */
export function simulatedReadingId(seed: number, meterId: string, at: Date): string {
  return derivedEventId('simulator-reading', seed, meterId, at.toISOString());
}

/**
 * Runs a simulation: registers the fleet's buildings, then its meters, then produces readings step by
 * step (one per meter per interval, faults applied) with the weather observations of each step; the
 * backfill at full speed, then paced by `speed`.
 */
export async function runSimulation(
  deps: PublishDeps,
  settings: SimulationSettings,
): Promise<SimulationSummary> {
  const { fleet, seed, intervalMs } = settings;
  if (!(intervalMs > 0))
    throw new EaioError('INVALID_ARGUMENT', 'permanent', `interval must be positive, not ${intervalMs} ms`);
  if (!(settings.speed > 0))
    throw new EaioError('INVALID_ARGUMENT', 'permanent', `speed must be positive, not ${settings.speed}`);
  const clock = settings.clock ?? (() => new Date());
  const batchSize = settings.batchSize ?? 5_000;
  const wallStart = clock().getTime();
  const firstStep =
    settings.start?.getTime() ?? Math.floor((wallStart - settings.backfillMs) / intervalMs) * intervalMs;

  const faultCounts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const injector = createFaultInjector({
    rates: settings.faults,
    seed,
    record: (fault) => {
      faultCounts[fault.kind] += 1;
      settings.groundTruth?.record(fault);
    },
  });
  const calendar = createLocalCalendar();

  let generated = 0;
  let produced = 0;
  let observed = 0;
  let from: string | null = null;
  let to: string | null = null;
  const summary = (): SimulationSummary => ({
    buildings: fleet.buildings.length,
    meters: fleet.meters.length,
    generated,
    readings: produced,
    observations: observed,
    faults: { ...faultCounts },
    from,
    to,
  });

  const registeredAt = new Date(firstStep);
  await publishBuildings(deps, fleet.buildings, registeredAt, {
    source: SIMULATOR_SOURCE,
    eventIdOf: (b) => derivedEventId('simulator-building', seed, b.buildingId),
  });
  const meters = fleet.meters.map(
    (m): MeterRegistered => ({
      eventId: derivedEventId('simulator-meter', seed, m.meterId),
      occurredAt: registeredAt,
      source: SIMULATOR_SOURCE,
      meterId: m.meterId,
      buildingId: m.buildingId,
      meterKind: m.meterKind,
      unit: m.unit,
      brickClass: m.brickClass,
    }),
  );
  for (let i = 0; i < meters.length; i += batchSize)
    await publishEvents(deps, 'meters', meters.slice(i, i + batchSize), (m) => m.meterId);

  const stations = [...new Set(fleet.buildings.map((b) => b.weatherStationId))];
  let readings: SensorReading[] = [];
  let weather: WeatherObservation[] = [];
  const flush = async (): Promise<void> => {
    // Weather first, so a processor that joins readings with weather finds the hour's weather there.
    for (let i = 0; i < weather.length; i += batchSize)
      await publishEvents(deps, 'weatherObservations', weather.slice(i, i + batchSize), (o) => o.stationId);
    for (let i = 0; i < readings.length; i += batchSize)
      await publishReadings(deps, readings.slice(i, i + batchSize));
    observed += weather.length;
    produced += readings.length;
    const hadAny = weather.length + readings.length > 0;
    weather = [];
    readings = [];
    if (hadAny) settings.onProgress?.(summary());
  };

  const stopped = (): boolean =>
    settings.signal?.aborted === true ||
    (settings.count !== undefined && generated >= settings.count) ||
    (settings.durationMs !== undefined && clock().getTime() - wallStart >= settings.durationMs);

  let liveFrom: { wall: number; sim: number } | undefined;
  for (let t = firstStep; !stopped(); t += intervalMs) {
    if (settings.until !== undefined && t > settings.until.getTime()) break;
    const now = clock().getTime();
    const caughtUp = t > now;
    if (caughtUp && settings.speed !== Number.POSITIVE_INFINITY) {
      // Live: simulated time runs `speed` times the wall clock from the moment the backfill ended.
      await flush();
      liveFrom ??= { wall: now, sim: now };
      const dueAt = liveFrom.wall + (t - liveFrom.sim) / settings.speed;
      const wait = dueAt - clock().getTime();
      if (wait > 0) {
        const aborted = await sleep(wait, false, { signal: settings.signal }).catch(() => true);
        if (aborted || stopped()) break;
      }
    }
    const at = new Date(t);
    from ??= at.toISOString();
    to = at.toISOString();
    const stepFrom = new Date(t - intervalMs);
    if (settings.observations !== undefined)
      for (const station of stations)
        weather.push(...settings.observations.observationsBetween(station, stepFrom, at));
    const locals = new Map<string, LocalTime>();
    const temperatures = new Map<string, number | null>();
    for (const meter of fleet.meters) {
      if (settings.count !== undefined && generated >= settings.count) break;
      let local = locals.get(meter.timezone);
      if (local === undefined) {
        local = calendar.at(at, meter.timezone);
        locals.set(meter.timezone, local);
      }
      let temperatureC = temperatures.get(meter.weatherStationId);
      if (temperatureC === undefined) {
        temperatureC = settings.temperatures.temperatureAt(meter.weatherStationId, at);
        temperatures.set(meter.weatherStationId, temperatureC);
      }
      const reading: SensorReading = {
        eventId: simulatedReadingId(seed, meter.meterId, at),
        occurredAt: at,
        source: SIMULATOR_SOURCE,
        buildingId: meter.buildingId,
        meterId: meter.meterId,
        meterKind: meter.meterKind,
        value: simulatedValue(meter, at, { local, temperatureC, intervalMs }, seed),
        unit: meter.unit,
      };
      generated += 1;
      readings.push(...injector.apply(reading, intervalMs));
    }
    if (readings.length + weather.length >= batchSize) await flush();
  }
  readings.push(...injector.finish());
  await flush();
  return summary();
}
