import { seededRandom } from '../processors/anomalies/index.ts';
import type {
  BuildingRegistered,
  MeterKind,
  ReadingUnit,
  SensorReading,
  WeatherObservation,
} from '../schemas/index.ts';
import { HOUR_MS } from '../schemas/index.ts';

/**
 * A synthetic fleet shaped like BDG2 (Building Data Genome 2): its 19 sites (code names, time zones,
 * a November climate), primary uses in BDG2's proportions, floor areas from a log-normal fit of its
 * range, electricity on every building and thermal meters on some. Deterministic for a seed, so two
 * runs load the same data.
 */

/** Site code name, time zone, mean November temperature (°C) and its daily swing, building weight. */
const SITES = [
  ['Panther', 'America/New_York', 21, 5, 105],
  ['Fox', 'America/Phoenix', 17, 8, 137],
  ['Rat', 'America/New_York', 10, 6, 305],
  ['Bear', 'America/Los_Angeles', 13, 5, 92],
  ['Lamb', 'Europe/London', 8, 3, 147],
  ['Peacock', 'America/New_York', 8, 5, 45],
  ['Moose', 'America/Toronto', 2, 4, 15],
  ['Gator', 'America/New_York', 20, 5, 74],
  ['Bull', 'America/Chicago', 15, 6, 124],
  ['Bobcat', 'America/Denver', 5, 8, 36],
  ['Crow', 'America/Toronto', 1, 4, 5],
  ['Shrew', 'Europe/London', 9, 3, 9],
  ['Swan', 'America/New_York', 7, 5, 19],
  ['Wolf', 'Europe/Dublin', 8, 3, 36],
  ['Hog', 'America/Chicago', 0, 5, 153],
  ['Eagle', 'America/New_York', 10, 6, 90],
  ['Cockatoo', 'America/New_York', 3, 5, 117],
  ['Mouse', 'Europe/London', 8, 3, 7],
  ['Robin', 'Europe/London', 9, 3, 52],
] as const;

type Schedule = 'weekday' | 'residential' | 'evening' | 'flat';

/** Primary use, share of BDG2's buildings, electricity intensity (kWh/m²/year), load schedule. */
const USES: readonly (readonly [string, number, number, Schedule])[] = [
  ['Education', 0.37, 150, 'weekday'],
  ['Office', 0.18, 200, 'weekday'],
  ['Entertainment/public assembly', 0.12, 120, 'evening'],
  ['Lodging/residential', 0.11, 180, 'residential'],
  ['Public services', 0.1, 170, 'weekday'],
  ['Warehouse/storage', 0.03, 60, 'flat'],
  ['Food sales and service', 0.02, 450, 'evening'],
  ['Healthcare', 0.02, 350, 'residential'],
  ['Parking', 0.02, 30, 'flat'],
  ['Retail', 0.01, 250, 'evening'],
  ['Manufacturing/industrial', 0.01, 220, 'weekday'],
  ['Technology/science', 0.005, 400, 'weekday'],
  ['Utility', 0.005, 100, 'flat'],
  ['Religious worship', 0.005, 80, 'evening'],
  ['Services', 0.005, 150, 'weekday'],
];

/** Extra meters beyond one electricity meter per building, by BDG2's proportions, with their unit. */
const EXTRA_METERS: readonly (readonly [MeterKind, ReadingUnit, number])[] = [
  ['chilled_water', 'ton_h', 0.39],
  ['steam', 'kBTU', 0.26],
  ['hot_water', 'kBTU', 0.13],
  ['gas', 'therm', 0.12],
  ['electricity', 'kWh', 0.1],
];

export interface FleetSite {
  readonly siteId: string;
  readonly stationId: string;
  readonly timezone: string;
  /** Fixed UTC offset in hours at the start of the data, for local load schedules. */
  readonly utcOffsetHours: number;
  readonly meanC: number;
  readonly swingC: number;
  /** Phase of the synoptic (multi-day) swing, so sites do not warm and cool in step. */
  readonly phase: number;
}

export interface FleetBuilding {
  readonly registration: BuildingRegistered;
  readonly site: FleetSite;
  readonly schedule: Schedule;
  /** Mean electricity per hour in kWh. */
  readonly kwhPerHour: number;
  readonly floorAreaM2: number;
}

export interface FleetMeter {
  readonly meterId: string;
  readonly building: FleetBuilding;
  readonly kind: MeterKind;
  readonly unit: ReadingUnit;
  /** Share of the building's load this meter carries (sub-meters split the electricity). */
  readonly share: number;
  /** Hours (ms since epoch) at which this meter reads `factor` × its normal value: the injected faults. */
  readonly faults: Map<number, number>;
  /** Hours at which this meter sends nothing: an injected gap. */
  readonly gaps: Set<number>;
}

export interface Fleet {
  readonly sites: readonly FleetSite[];
  readonly buildings: readonly FleetBuilding[];
  readonly meters: readonly FleetMeter[];
  readonly startMs: number;
  readonly hours: number;
  /** Injected faults: anomalies (× 3–5 for three hours), spikes (× 10 for one hour) and gaps. */
  readonly injected: { readonly anomalies: number; readonly spikes: number; readonly gaps: number };
}

// The fleet's draws come from the anomaly evaluation's generator, so one mulberry32 serves every synthetic data set.
export { seededRandom };

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, w] of weighted) {
    r -= w;
    if (r <= 0) return value;
  }
  return (weighted.at(-1) as readonly [T, number])[0];
}

function utcOffsetHours(timezone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'));
  return Math.round((local - Math.floor(at / HOUR_MS) * HOUR_MS) / HOUR_MS);
}

/** Log-normal floor area around BDG2's median (~5,000 m²), kept within its range. */
function floorArea(random: () => number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.round(Math.min(80_000, Math.max(100, 5_000 * Math.exp(normal))));
}

export interface FleetOptions {
  readonly buildings: number;
  readonly meters: number;
  readonly days: number;
  /** End of the data (exclusive), on an hour. */
  readonly endMs: number;
  readonly seed: number;
}

/** Builds the fleet: sites, registrations, meters and the faults injected into their readings. */
export function createFleet(options: FleetOptions): Fleet {
  const random = seededRandom(options.seed);
  const hours = options.days * 24;
  const startMs = options.endMs - hours * HOUR_MS;
  const sites: FleetSite[] = SITES.map(([name, timezone, meanC, swingC]) => ({
    siteId: name,
    stationId: `${name}_station`,
    timezone,
    utcOffsetHours: utcOffsetHours(timezone, startMs),
    meanC,
    swingC,
    phase: random() * 2 * Math.PI,
  }));
  const siteWeights = SITES.map(([, , , , w], i) => [sites[i] as FleetSite, w] as const);
  const useWeights = USES.map((u) => [u, u[1]] as const);
  const buildings: FleetBuilding[] = Array.from({ length: options.buildings }, (_, i) => {
    const site = pick(random, siteWeights);
    const [primaryUse, , eui, schedule] = pick(random, useWeights);
    const area = floorArea(random);
    const slug = primaryUse.split(/[/ ]/)[0]?.toLowerCase() ?? 'other';
    const buildingId = `${site.siteId}_${slug}_${String(i).padStart(4, '0')}`;
    return {
      site,
      schedule,
      floorAreaM2: area,
      kwhPerHour: (area * eui * (0.7 + 0.6 * random())) / 8760,
      registration: {
        eventId: crypto.randomUUID(),
        occurredAt: new Date(startMs - 24 * HOUR_MS),
        source: 'bench-bdg2',
        buildingId,
        siteId: site.siteId,
        primaryUse,
        floorAreaM2: area,
        timezone: site.timezone,
        yearBuilt: 1900 + Math.floor(random() * 120),
        weatherStationId: site.stationId,
      },
    };
  });
  const meters: FleetMeter[] = buildings.map((building) => ({
    meterId: `${building.registration.buildingId}:electricity`,
    building,
    kind: 'electricity',
    unit: 'kWh',
    share: 1,
    faults: new Map(),
    gaps: new Set(),
  }));
  const kindWeights = EXTRA_METERS.map((m) => [m, m[2]] as const);
  const taken = new Set(meters.map((m) => m.meterId));
  for (let extra = 0; meters.length < options.meters && extra < options.meters * 20; extra++) {
    const [kind, unit] = pick(random, kindWeights);
    const building = buildings[Math.floor(random() * buildings.length)] as FleetBuilding;
    let meterId = `${building.registration.buildingId}:${kind}`;
    if (kind === 'electricity') meterId = `${meterId}_sub${extra}`;
    if (taken.has(meterId)) continue;
    taken.add(meterId);
    meters.push({
      meterId,
      building,
      kind,
      unit,
      share: kind === 'electricity' ? 0.2 : 1,
      faults: new Map(),
      gaps: new Set(),
    });
  }

  // Faults: anomalies late in the range (the detector scores a slot only after four weeks of it),
  // spikes and gaps anywhere. About one meter in a hundred carries one of each.
  const faulty = Math.max(1, Math.round(meters.length / 100));
  const someMeter = () => meters[Math.floor(random() * meters.length)] as FleetMeter;
  const hourAt = (fromHour: number) =>
    startMs + (fromHour + Math.floor(random() * Math.max(1, hours - fromHour - 4))) * HOUR_MS;
  for (let i = 0; i < faulty; i++) {
    const anomalous = someMeter();
    const at = hourAt(Math.max(0, hours - 48));
    const factor = 3 + 2 * random();
    for (let h = 0; h < 3; h++) anomalous.faults.set(at + h * HOUR_MS, factor);
    someMeter().faults.set(hourAt(0), 10);
    const gap = hourAt(0);
    const gapped = someMeter();
    for (let h = 0; h < 3; h++) gapped.gaps.add(gap + h * HOUR_MS);
  }
  return {
    sites,
    buildings,
    meters,
    startMs,
    hours,
    injected: { anomalies: faulty, spikes: faulty, gaps: faulty },
  };
}

/** Outdoor temperature of a site at an hour: daily swing peaking mid-afternoon, a five-day swing, noise. */
export function temperatureAt(site: FleetSite, hourMs: number, noise: number): number {
  const localHour = (((hourMs / HOUR_MS + site.utcOffsetHours) % 24) + 24) % 24;
  const daily = site.swingC * Math.sin((2 * Math.PI * (localHour - 9)) / 24);
  const synoptic = 4 * Math.sin((2 * Math.PI * hourMs) / (5 * 24 * HOUR_MS) + site.phase);
  return Math.round((site.meanC + daily + synoptic + noise) * 10) / 10;
}

/** Load relative to the mean, by schedule, local hour and weekday. */
function occupancy(schedule: Schedule, localHour: number, weekend: boolean): number {
  switch (schedule) {
    case 'weekday':
      if (weekend) return 0.55;
      return localHour >= 7 && localHour < 19 ? 1.35 : 0.6;
    case 'residential':
      return localHour >= 6 && localHour < 9 ? 1.2 : localHour >= 17 && localHour < 23 ? 1.3 : 0.85;
    case 'evening':
      return localHour >= 10 && localHour < 23 ? (weekend ? 1.4 : 1.2) : 0.55;
    case 'flat':
      return localHour >= 7 && localHour < 19 ? 1.1 : 0.9;
  }
}

/** The hourly weather of every station at one hour, published straight to weather-hourly. */
export function weatherHour(fleet: Fleet, hourMs: number, random: () => number): WeatherObservation[] {
  return fleet.sites.map((site) => ({
    eventId: crypto.randomUUID(),
    occurredAt: new Date(hourMs),
    source: 'bench-bdg2',
    stationId: site.stationId,
    temperatureC: temperatureAt(site, hourMs, (random() - 0.5) * 2),
    relativeHumidityPct: Math.round(50 + 40 * random()),
  }));
}

/**
 * The readings of every meter for one hour (the interval ending at `hourMs`), driven by the same
 * temperatures as {@link weatherHour} so weather-normalised consumption has something to find.
 */
export function readingsHour(
  fleet: Fleet,
  hourMs: number,
  temperatures: ReadonlyMap<string, number>,
  random: () => number,
): SensorReading[] {
  const readings: SensorReading[] = [];
  for (const meter of fleet.meters) {
    if (meter.gaps.has(hourMs)) continue;
    const { building } = meter;
    const local = hourMs + building.site.utcOffsetHours * HOUR_MS;
    const localHour = new Date(local).getUTCHours();
    const weekday = new Date(local).getUTCDay();
    const occ = occupancy(building.schedule, localHour, weekday === 0 || weekday === 6);
    const t = temperatures.get(building.site.stationId) ?? 15;
    const heating = Math.max(0, 15.5 - t);
    const cooling = Math.max(0, t - 18);
    const noise = 0.95 + 0.1 * random();
    let kwh: number;
    switch (meter.kind) {
      case 'electricity':
        kwh = building.kwhPerHour * meter.share * occ * (1 + 0.02 * cooling + 0.005 * heating);
        break;
      case 'chilled_water':
        kwh = building.kwhPerHour * (0.15 + 0.08 * cooling) * (0.5 + 0.5 * occ);
        break;
      case 'steam':
      case 'hot_water':
        kwh = building.kwhPerHour * (0.2 + 0.07 * heating) * (0.6 + 0.4 * occ);
        break;
      default:
        kwh = building.kwhPerHour * (0.1 + 0.05 * heating);
    }
    const factor = meter.faults.get(hourMs) ?? 1;
    const value = kwh * noise * factor;
    const converted =
      meter.unit === 'ton_h'
        ? value / 3.517
        : meter.unit === 'kBTU'
          ? value * 3.412
          : meter.unit === 'therm'
            ? value * 0.03412
            : value;
    readings.push({
      eventId: crypto.randomUUID(),
      occurredAt: new Date(hourMs),
      source: 'bench-bdg2',
      buildingId: building.registration.buildingId,
      meterId: meter.meterId,
      meterKind: meter.kind,
      value: Math.round(converted * 1000) / 1000,
      unit: meter.unit,
    });
  }
  return readings;
}
