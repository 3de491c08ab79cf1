import { HOUR_MS } from '../../schemas/index.ts';
import { COOLING_BASE_C, HEATING_BASE_C, type SimMeter } from './fleet.ts';
import type { LocalTime } from './local-calendar.ts';
import { uniform } from './seeded-random.ts';

/** Occupied hours of a working day, and how full the building is off hours, by primary use. */
interface Schedule {
  readonly open: number;
  readonly close: number;
  /** Occupancy on weekends and public holidays, 0..1. */
  readonly offDay: number;
  /** Occupancy outside open hours on working days, 0..1. */
  readonly night: number;
  /** Residential: full at night and on days off, half-empty in working hours. */
  readonly residential?: boolean;
}

const SCHEDULES: Readonly<Record<string, Schedule>> = {
  Office: { open: 8, close: 18, offDay: 0.05, night: 0.05 },
  'College Classroom': { open: 8, close: 21, offDay: 0.15, night: 0.05 },
  'College Laboratory': { open: 7, close: 22, offDay: 0.45, night: 0.3 },
  Dormitory: { open: 9, close: 17, offDay: 0.9, night: 0.95, residential: true },
  'Primary/Secondary Classroom': { open: 8, close: 16, offDay: 0, night: 0 },
};
const DEFAULT_SCHEDULE: Schedule = { open: 8, close: 18, offDay: 0.1, night: 0.05 };

/** Share of the base load drawn whatever the occupancy (servers, fridges, ventilation minimums). */
const ALWAYS_ON = 0.4;
/** Heating and cooling run at this share of their weather response in an empty building. */
const HVAC_SETBACK = 0.6;
/** Relative amplitude of the seeded noise (uniform, ±). */
const NOISE = 0.05;

/** How much an hour ramps between closed and open (linear over the first and last hour). */
function openness(hour: number, open: number, close: number): number {
  if (hour < open - 1 || hour >= close + 1) return 0;
  if (hour < open) return hour - (open - 1);
  if (hour >= close) return close + 1 - hour;
  return 1;
}

/** Occupancy 0..1 of a building of `primaryUse` at a local time: weekday hours, weekends and holidays. */
export function occupancyOf(primaryUse: string, local: LocalTime): number {
  const s = SCHEDULES[primaryUse] ?? DEFAULT_SCHEDULE;
  const dayOff = local.holiday || local.weekday === 0 || local.weekday === 6;
  if (dayOff) return s.offDay;
  const open = openness(local.hour, s.open, s.close);
  if (s.residential) return s.night - (s.night - 0.5) * open;
  return s.night + (1 - s.night) * open;
}

/** What the load model needs besides the meter. */
export interface LoadInput {
  readonly local: LocalTime;
  /** Outdoor temperature at the building's station, null when unknown (no weather response then). */
  readonly temperatureC: number | null;
  /** Length of the interval the reading covers. */
  readonly intervalMs: number;
}

/** Expected consumption over the interval in kWh: occupancy-shaped base plus degree-hour response. */
export function expectedKwh(meter: SimMeter, input: LoadInput): number {
  const occupancy = occupancyOf(meter.primaryUse, input.local);
  const base = meter.baseKwhPerHour * (ALWAYS_ON + (1 - ALWAYS_ON) * occupancy);
  const t = input.temperatureC;
  const heatingDegrees = t === null ? 0 : Math.max(0, HEATING_BASE_C - t);
  const coolingDegrees = t === null ? 0 : Math.max(0, t - COOLING_BASE_C);
  const hvac = HVAC_SETBACK + (1 - HVAC_SETBACK) * occupancy;
  const weather =
    hvac * (meter.heatingKwhPerDegreeHour * heatingDegrees + meter.coolingKwhPerDegreeHour * coolingDegrees);
  return ((base + weather) * input.intervalMs) / HOUR_MS;
}

/**
 * The reading of `meter` for the interval ending at `at`, in the meter's unit: expected load times
 * (1 ± 5%) noise drawn from `seed`, the meter and the instant, so a run can be reproduced exactly.
 */
export function simulatedValue(meter: SimMeter, at: Date, input: LoadInput, seed: number): number {
  const noise = 1 + NOISE * (2 * uniform(seed, 'noise', meter.meterId, at.getTime()) - 1);
  const value = expectedKwh(meter, input) * meter.unitPerKwh * noise;
  return Math.round(value * 10_000) / 10_000;
}
