import type { BuildingRegistered, WeatherObservation } from '../../schemas/index.ts';
import type { DegreeHourBases } from './degree-hours.ts';
import { degreeHours } from './degree-hours.ts';

/** The weather of one building in one UTC hour, from its station's hourly observation. */
export interface BuildingWeatherHour {
  readonly buildingId: string;
  readonly stationId: string;
  /** Start of the UTC hour (the hourly observation's occurredAt). */
  readonly hourStart: Date;
  /** The hour's mean temperature; null when the station reported none. */
  readonly temperatureC: number | null;
  /** Heating degree-hours of the hour; null when the temperature is missing. */
  readonly heatingDegreeHours: number | null;
  /** Cooling degree-hours of the hour; null when the temperature is missing. */
  readonly coolingDegreeHours: number | null;
  /** eventId of the hourly observation this row comes from (lineage). */
  readonly weatherEventId: string;
}

/**
 * The station of each building under "latest registration wins": the registration with the largest
 * occurredAt, and among equal times the later one in the input. A building whose latest registration
 * has no weatherStationId has no station, even if an earlier one had.
 */
export function stationsOfBuildings(
  registrations: Iterable<Pick<BuildingRegistered, 'buildingId' | 'occurredAt' | 'weatherStationId'>>,
): Map<string, string> {
  const latest = new Map<string, { at: number; stationId: string | null }>();
  for (const r of registrations) {
    const at = r.occurredAt.getTime();
    const known = latest.get(r.buildingId);
    if (known === undefined || at >= known.at)
      latest.set(r.buildingId, { at, stationId: r.weatherStationId ?? null });
  }
  const stations = new Map<string, string>();
  for (const [buildingId, { stationId }] of latest) {
    if (stationId !== null && stationId !== '') stations.set(buildingId, stationId);
  }
  return stations;
}

/**
 * Joins buildings to their station's hourly weather, giving each building's degree-hours per hour.
 *
 * Semantics:
 * - a building's station is that of its latest registration ({@link stationsOfBuildings}); the join
 *   is not time-versioned: that station applies to every hour, also hours before a re-registration;
 * - every hourly observation of a building's station gives one row for that building (so one station
 *   serves many buildings); stations without buildings, and buildings without a station or without
 *   hourly weather, give no rows;
 * - if `hourly` holds the same (station, hour) twice, the later one in the input wins;
 * - degree-hours use `bases` (default 15.5 °C / 18.3 °C) and are null when the hour has no temperature;
 * - rows are ordered by hourStart, then buildingId.
 */
export function joinBuildingsToWeather(
  registrations: Iterable<Pick<BuildingRegistered, 'buildingId' | 'occurredAt' | 'weatherStationId'>>,
  hourly: Iterable<WeatherObservation>,
  bases: Partial<DegreeHourBases> = {},
): BuildingWeatherHour[] {
  const calculator = degreeHours(bases);
  const buildingsOfStation = new Map<string, string[]>();
  for (const [buildingId, stationId] of stationsOfBuildings(registrations)) {
    const list = buildingsOfStation.get(stationId) ?? [];
    list.push(buildingId);
    buildingsOfStation.set(stationId, list);
  }
  const hours = new Map<string, WeatherObservation>();
  for (const h of hourly) {
    if (buildingsOfStation.has(h.stationId)) hours.set(`${h.stationId}\u001f${h.occurredAt.getTime()}`, h);
  }
  const rows: BuildingWeatherHour[] = [];
  for (const h of hours.values()) {
    const dh = calculator.ofHour(h);
    const t = h.temperatureC;
    const temperatureC = typeof t === 'number' && Number.isFinite(t) ? t : null;
    for (const buildingId of buildingsOfStation.get(h.stationId) ?? []) {
      rows.push({
        buildingId,
        stationId: h.stationId,
        hourStart: h.occurredAt,
        temperatureC,
        heatingDegreeHours: dh?.heating ?? null,
        coolingDegreeHours: dh?.cooling ?? null,
        weatherEventId: h.eventId,
      });
    }
  }
  return rows.sort(
    (a, b) =>
      a.hourStart.getTime() - b.hourStart.getTime() ||
      (a.buildingId < b.buildingId ? -1 : a.buildingId > b.buildingId ? 1 : 0),
  );
}
