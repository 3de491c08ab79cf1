import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseFormat } from '../app/commands/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import { EaioError } from '../infra/errors/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import {
  type FitScores,
  fitTowt,
  type HourlyObservation,
  meetsGuideline14Hourly,
  predictTowt,
  scoreForecast,
  seasonalNaiveForecast,
} from '../processors/index.ts';
import { HOUR_MS, METER_KINDS, type MeterKind } from '../schemas/index.ts';
import {
  checkFaultRates,
  createFaultInjector,
  createLocalCalendar,
  type FaultRates,
  IMPORT_FORMATS,
  type ImportOptions,
  loadBdg1Fleet,
  loadBdg1WeatherReplay,
  readImportEvents,
  simulatedValue,
} from '../sources/index.ts';

const DAY_MS = 24 * HOUR_MS;

/** The simulator's data faults a forecaster meets in real meters: gaps, spikes and flatlines. */
const DEFAULT_FAULTS = 'spike=0.004,flatline=0.0005,gap=0.002';

/** One meter's hourly consumption (hour start ms → sum of its hour) and its station's hourly temperature. */
interface MeterSeries {
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly timeZone: string;
  readonly consumption: ReadonlyMap<number, number>;
  readonly temperature: ReadonlyMap<number, number>;
  /** For a simulated meter: the load before the faults were injected, to score against the truth too. */
  readonly truth?: ReadonlyMap<number, number>;
  /** First hour of the three months: training is its first two calendar months, the test the third. */
  readonly from: number;
}

interface MeterResult {
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly trainHours: number;
  readonly testHours: number;
  readonly fitMs: number;
  readonly towt: FitScores;
  readonly naive: FitScores;
  /** The same forecasts scored against the fault-free load (simulated meters only). */
  readonly vsTruth?: { readonly towt: FitScores; readonly naive: FitScores };
}

const addMonths = (ms: number, months: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate());
};
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1
    ? (finite[mid] as number)
    : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
}

/**
 * Trains TOWT on the first two months and forecasts the third day-ahead: each UTC day's 24 hours
 * issued at its midnight, TOWT with that day's observed temperatures (a perfect weather forecast),
 * seasonal naive from the last known week. Both are scored on the same hours: those with an actual
 * (not a gap) and both forecasts. Undefined (with the reason) when the meter cannot be scored.
 */
function evaluateMeter(series: MeterSeries, rejectOutliersMad: number | undefined): MeterResult | string {
  const trainTo = addMonths(series.from, 2);
  const testTo = addMonths(series.from, 3);
  const training: HourlyObservation[] = [];
  for (let t = series.from; t < trainTo; t += HOUR_MS) {
    const consumption = series.consumption.get(t);
    if (consumption === undefined) continue;
    training.push({ hourStart: new Date(t), consumption, temperatureC: series.temperature.get(t) });
  }
  const fitStart = performance.now();
  let model: ReturnType<typeof fitTowt>;
  try {
    model = fitTowt(training, {
      timeZone: series.timeZone,
      ...(rejectOutliersMad === undefined ? {} : { rejectOutliersMad }),
    });
  } catch (error) {
    return error instanceof EaioError ? error.message : String(error);
  }
  const fitMs = performance.now() - fitStart;
  const actual: number[] = [];
  const towt: number[] = [];
  const naive: number[] = [];
  const truth: number[] = [];
  for (let day = trainTo; day < testTo; day += DAY_MS) {
    const issuedAt = new Date(day);
    for (let t = day; t < day + DAY_MS && t < testTo; t += HOUR_MS) {
      const observed = series.consumption.get(t);
      const temperatureC = series.temperature.get(t);
      const fromLastWeek = seasonalNaiveForecast(series.consumption, new Date(t), issuedAt);
      if (observed === undefined || temperatureC === undefined || fromLastWeek === undefined) continue;
      actual.push(observed);
      towt.push(predictTowt(model, new Date(t), temperatureC));
      naive.push(fromLastWeek);
      truth.push(series.truth?.get(t) ?? Number.NaN);
    }
  }
  if (actual.length === 0) return 'no test hour with an actual, a temperature and last week’s value';
  return {
    meterId: series.meterId,
    meterKind: series.meterKind,
    trainHours: model.samples,
    testHours: actual.length,
    fitMs,
    towt: scoreForecast(actual, towt),
    naive: scoreForecast(actual, naive),
    ...(series.truth === undefined
      ? {}
      : { vsTruth: { towt: scoreForecast(truth, towt), naive: scoreForecast(truth, naive) } }),
  };
}

/** Mean temperature per hour start from observations (as the hourly weather read model averages them). */
function hourlyMeans(observations: Iterable<{ at: number; temperatureC: number }>): Map<number, number> {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const o of observations) {
    const hour = floorHour(o.at);
    const s = sums.get(hour) ?? { sum: 0, n: 0 };
    s.sum += o.temperatureC;
    s.n += 1;
    sums.set(hour, s);
  }
  return new Map([...sums].map(([hour, s]) => [hour, s.sum / s.n]));
}

/**
 * A BDG1-drawn simulated fleet over three months, its load driven by the real BDG1 weather files
 * (the simulator's replay of `sources/bdg1/data/weather`, the same files as `shared/data/bdg1`), with
 * the simulator's fault injector on: the readings a pipeline would see, summed per hour as the
 * hourly rollups sum them (a reading counts in the hour its time falls in).
 */
async function simulatedSeries(
  buildings: number,
  seed: number,
  from: number,
  faults: FaultRates,
): Promise<{ series: MeterSeries[]; faults: number }> {
  const weather = await loadBdg1WeatherReplay();
  const fleet = await loadBdg1Fleet(buildings, seed, weather.stationIds);
  const to = addMonths(from, 3);
  const temperatureOf = new Map<string, Map<number, number>>();
  for (const station of new Set(fleet.meters.map((m) => m.weatherStationId))) {
    const observations = weather
      .observationsBetween(station, new Date(from - HOUR_MS), new Date(to))
      .filter((o) => o.temperatureC !== null && o.temperatureC !== undefined)
      .map((o) => ({ at: o.occurredAt.getTime(), temperatureC: o.temperatureC as number }));
    temperatureOf.set(station, hourlyMeans(observations));
  }
  let injected = 0;
  const injector = createFaultInjector({ rates: faults, seed, record: () => void injected++ });
  const calendar = createLocalCalendar();
  const sums = new Map<string, Map<number, number>>(fleet.meters.map((m) => [m.meterId, new Map()]));
  const truth = new Map<string, Map<number, number>>(fleet.meters.map((m) => [m.meterId, new Map()]));
  const add = (meterId: string, at: Date, value: number, into = sums) => {
    const hours = into.get(meterId);
    const hour = floorHour(at.getTime());
    hours?.set(hour, (hours.get(hour) ?? 0) + value);
  };
  for (let t = from; t < to; t += HOUR_MS) {
    const at = new Date(t);
    for (const meter of fleet.meters) {
      const input = {
        local: calendar.at(at, meter.timezone),
        temperatureC: weather.temperatureAt(meter.weatherStationId, at),
        intervalMs: HOUR_MS,
      };
      const reading = {
        eventId: `${meter.meterId}@${t}`,
        occurredAt: at,
        source: 'bench-forecast',
        buildingId: meter.buildingId,
        meterId: meter.meterId,
        meterKind: meter.meterKind,
        value: simulatedValue(meter, at, input, seed),
        unit: meter.unit,
      };
      add(reading.meterId, at, reading.value, truth);
      for (const r of injector.apply(reading, HOUR_MS)) add(r.meterId, r.occurredAt, r.value);
    }
  }
  for (const r of injector.finish()) add(r.meterId, r.occurredAt, r.value);
  return {
    series: fleet.meters.map((m) => ({
      meterId: m.meterId,
      meterKind: m.meterKind,
      timeZone: m.timezone,
      consumption: sums.get(m.meterId) ?? new Map(),
      temperature: temperatureOf.get(m.weatherStationId) ?? new Map(),
      truth: truth.get(m.meterId) ?? new Map(),
      from,
    })),
    faults: injected,
  };
}

/**
 * Meters from a BDG-format readings file (BDG1 wide, BDG2 wide or long, whichever format `eaio import`
 * recognises by the header), with time zones and stations from `--metadata` (BDG1 `meta_open.csv` or
 * BDG2 `metadata.csv`) and temperatures from `--weather` files (BDG1 `weatherN.csv`, BDG2
 * `weather.csv`), all read by the importers' own formats. Each meter's three months start at its
 * first UTC midnight with data.
 */
async function fileSeries(
  file: string,
  metadata: string | undefined,
  weatherFiles: readonly string[],
  meterKind: MeterKind | undefined,
): Promise<{ series: MeterSeries[]; withoutWeather: number }> {
  if (metadata === undefined || weatherFiles.length === 0)
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      '--file needs --metadata FILE (the buildings: time zones and weather stations) and --weather FILE[,FILE] (their stations’ temperatures): TOWT fits consumption against temperature',
    );
  const registeredAt = new Date(0);
  const base = (path: string): ImportOptions => ({
    fileName: basename(path),
    timezoneOf: (id) => zones.get(id),
    timezoneOfStation: (id) => stationZones.get(id),
    registeredAt,
  });
  const zones = new Map<string, string>();
  const stationOf = new Map<string, string>();
  const stationZones = new Map<string, string>();
  const buildingsFormat = await chooseFormat(IMPORT_FORMATS, 'buildings', metadata, undefined);
  for await (const e of readImportEvents(metadata, buildingsFormat, base(metadata))) {
    if (e.topic !== 'buildings') continue;
    zones.set(e.event.buildingId, e.event.timezone);
    const station = e.event.weatherStationId;
    if (station) {
      stationOf.set(e.event.buildingId, station);
      if (!stationZones.has(station)) stationZones.set(station, e.event.timezone);
    }
  }
  const observations = new Map<string, { at: number; temperatureC: number }[]>();
  for (const path of weatherFiles) {
    const format = await chooseFormat(IMPORT_FORMATS, 'weather', path, undefined);
    for await (const e of readImportEvents(path, format, base(path))) {
      if (e.topic !== 'weatherObservations') continue;
      const t = e.event.temperatureC;
      if (t === null || t === undefined) continue;
      const list = observations.get(e.event.stationId) ?? [];
      list.push({ at: e.event.occurredAt.getTime(), temperatureC: t });
      observations.set(e.event.stationId, list);
    }
  }
  const temperatures = new Map([...observations].map(([station, list]) => [station, hourlyMeans(list)]));
  const readingsFormat = await chooseFormat(IMPORT_FORMATS, 'readings', file, undefined);
  const meters = new Map<string, { buildingId: string; kind: MeterKind; hours: Map<number, number> }>();
  for await (const e of readImportEvents(file, readingsFormat, {
    ...base(file),
    ...(meterKind === undefined ? {} : { meterKind }),
  })) {
    if (e.topic !== 'sensorReadings') continue;
    const r = e.event;
    const meter = meters.get(r.meterId) ?? { buildingId: r.buildingId, kind: r.meterKind, hours: new Map() };
    const hour = floorHour(r.occurredAt.getTime());
    meter.hours.set(hour, (meter.hours.get(hour) ?? 0) + r.value);
    meters.set(r.meterId, meter);
  }
  const series: MeterSeries[] = [];
  let withoutWeather = 0;
  for (const [meterId, meter] of meters) {
    const station = stationOf.get(meter.buildingId);
    const temperature = station === undefined ? undefined : temperatures.get(station);
    if (temperature === undefined || meter.hours.size === 0) {
      withoutWeather++;
      continue;
    }
    const first = Math.min(...meter.hours.keys());
    series.push({
      meterId,
      meterKind: meter.kind,
      timeZone: zones.get(meter.buildingId) ?? 'UTC',
      consumption: meter.hours,
      temperature,
      from: Math.ceil(first / DAY_MS) * DAY_MS,
    });
  }
  return { series, withoutWeather };
}

/**
 * Day-ahead accuracy of the TOWT model against the seasonal-naive baseline, per meter and as medians,
 * on a simulated fleet (BDG1 weather, faults on) or on a BDG-format file (`--file`). Runs in-process
 * on the pure forecasting core: no Kafka, no databases. Per-meter figures go to `--per-meter FILE`
 * (CSV) and, for fleets of at most 30 meters, into the figures too.
 */
export async function forecastBenchmark(
  _config: EaioConfig,
  _endpoints: StackEndpoints,
  argv: string[],
): Promise<Record<string, number | string>> {
  const { values } = parseArgs({
    args: argv,
    options: {
      buildings: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      start: { type: 'string', default: '2026-01-01' },
      faults: { type: 'string', default: DEFAULT_FAULTS },
      file: { type: 'string' },
      metadata: { type: 'string' },
      weather: { type: 'string' },
      'meter-kind': { type: 'string' },
      'per-meter': { type: 'string', default: '.stack/bench-forecast-per-meter.csv' },
      'reject-outliers': { type: 'string', default: '4' },
    },
  });
  const kind = values['meter-kind'];
  if (kind !== undefined && !(METER_KINDS as readonly string[]).includes(kind))
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `--meter-kind must be one of ${METER_KINDS.join(', ')}`,
    );
  const figures: Record<string, number | string> = {};
  let series: MeterSeries[];
  if (values.file !== undefined) {
    const read = await fileSeries(
      values.file,
      values.metadata,
      (values.weather ?? '').split(',').filter((w) => w.length > 0),
      kind as MeterKind | undefined,
    );
    series = read.series;
    figures.source = basename(values.file);
    figures.metersWithoutWeather = read.withoutWeather;
  } else {
    const start = Date.parse(`${values.start}T00:00:00Z`);
    if (!Number.isFinite(start))
      throw new EaioError('INVALID_ARGUMENT', 'permanent', `--start must be a date like 2026-01-01`);
    const faults = checkFaultRates(
      Object.fromEntries(
        values.faults
          .split(',')
          .filter((p) => p.length > 0)
          .map((pair) => {
            const [name, rate] = pair.split('=');
            return [name, Number(rate)];
          }),
      ),
    );
    const simulated = await simulatedSeries(Number(values.buildings), Number(values.seed), start, faults);
    series = simulated.series;
    figures.source = `simulated BDG1 fleet from ${values.start}`;
    figures.buildings = Number(values.buildings);
    figures.faultsInjected = simulated.faults;
  }

  // 0 fits on every training hour; k > 0 refits without hours more than k robust sigmas off (fitTowt's rejectOutliersMad).
  const k = Number(values['reject-outliers']);
  if (!(k >= 0))
    throw new EaioError('INVALID_ARGUMENT', 'permanent', '--reject-outliers must be a number >= 0 (0: off)');
  figures.rejectOutliersMad = k;
  const results: MeterResult[] = [];
  const skipped: string[] = [];
  for (const s of series) {
    const r = evaluateMeter(s, k === 0 ? undefined : k);
    if (typeof r === 'string') skipped.push(`${s.meterId}: ${r}`);
    else results.push(r);
  }
  const share = (f: (r: MeterResult) => boolean) =>
    results.length === 0 ? Number.NaN : round4(results.filter(f).length / results.length);
  Object.assign(figures, {
    meters: series.length,
    metersScored: results.length,
    metersSkipped: skipped.length,
    testHoursMedian: median(results.map((r) => r.testHours)),
    towtCvRmseMedian: round4(median(results.map((r) => r.towt.cvRmse))),
    naiveCvRmseMedian: round4(median(results.map((r) => r.naive.cvRmse))),
    towtNmbeMedian: round4(median(results.map((r) => r.towt.nmbe))),
    naiveNmbeMedian: round4(median(results.map((r) => r.naive.nmbe))),
    towtAbsNmbeMedian: round4(median(results.map((r) => Math.abs(r.towt.nmbe)))),
    naiveAbsNmbeMedian: round4(median(results.map((r) => Math.abs(r.naive.nmbe)))),
    towtMeetsG14Share: share((r) => meetsGuideline14Hourly(r.towt)),
    naiveMeetsG14Share: share((r) => meetsGuideline14Hourly(r.naive)),
    towtBeatsNaiveShare: share((r) => r.towt.cvRmse < r.naive.cvRmse),
    ...(results.some((r) => r.vsTruth !== undefined)
      ? {
          towtCvRmseMedianVsTrue: round4(median(results.map((r) => r.vsTruth?.towt.cvRmse ?? Number.NaN))),
          naiveCvRmseMedianVsTrue: round4(median(results.map((r) => r.vsTruth?.naive.cvRmse ?? Number.NaN))),
          towtAbsNmbeMedianVsTrue: round4(
            median(results.map((r) => Math.abs(r.vsTruth?.towt.nmbe ?? Number.NaN))),
          ),
          naiveAbsNmbeMedianVsTrue: round4(
            median(results.map((r) => Math.abs(r.vsTruth?.naive.nmbe ?? Number.NaN))),
          ),
          towtMeetsG14ShareVsTrue: share(
            (r) => r.vsTruth !== undefined && meetsGuideline14Hourly(r.vsTruth.towt),
          ),
          naiveMeetsG14ShareVsTrue: share(
            (r) => r.vsTruth !== undefined && meetsGuideline14Hourly(r.vsTruth.naive),
          ),
        }
      : {}),
    fitMsMedian: Math.round(median(results.map((r) => r.fitMs)) * 10) / 10,
    fitMsTotal: Math.round(results.reduce((a, r) => a + r.fitMs, 0)),
  });
  const rows = results.map((r) =>
    [
      r.meterId,
      r.meterKind,
      r.trainHours,
      r.testHours,
      round4(r.towt.cvRmse),
      round4(r.towt.nmbe),
      round4(r.naive.cvRmse),
      round4(r.naive.nmbe),
      meetsGuideline14Hourly(r.towt),
      Math.round(r.fitMs),
    ].join(','),
  );
  const header =
    'meterId,meterKind,trainHours,testHours,towtCvRmse,towtNmbe,naiveCvRmse,naiveNmbe,towtMeetsG14,fitMs';
  await mkdir(dirname(values['per-meter']), { recursive: true });
  await writeFile(
    values['per-meter'],
    `${[header, ...rows, ...skipped.map((s) => `# skipped ${s}`)].join('\n')}\n`,
  );
  process.stderr.write(`[forecast] per meter (${values['per-meter']}):\n${header}\n${rows.join('\n')}\n`);
  for (const s of skipped) process.stderr.write(`[forecast] skipped ${s}\n`);
  if (results.length <= 30)
    for (const r of results) {
      figures[`${r.meterId}.towtCvRmse`] = round4(r.towt.cvRmse);
      figures[`${r.meterId}.naiveCvRmse`] = round4(r.naive.cvRmse);
      figures[`${r.meterId}.towtNmbe`] = round4(r.towt.nmbe);
      figures[`${r.meterId}.naiveNmbe`] = round4(r.naive.nmbe);
    }
  figures.perMeter = values['per-meter'];
  return figures;
}
