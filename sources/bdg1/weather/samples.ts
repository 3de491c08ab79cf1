import { readFile } from 'node:fs/promises';
import type { Bdg1WeatherParseResult } from './parse-weather.ts';
import { parseBdg1Weather } from './parse-weather.ts';

/**
 * Byte-exact excerpts of three BDG1 weather files (buds-lab/the-building-data-genome-project, MIT,
 * Copyright (c) 2016 Clayton Miller; see `../data/LICENSE`), shipped for tests and demos.
 *
 * `weatherN.head.csv` is the first 300 lines of `weatherN.csv`. `weatherN.lines-A-B.csv` is the
 * header (line 1) followed by lines A..B of the original, so line n >= 2 of the excerpt is line
 * n + A - 2 of the original. The excerpts were chosen for the quirks they hold:
 * - `weather1.lines-720-735`: TemperatureC/Dew PointC `-9999.0` and empty Humidity (orig. 727-729);
 * - `weather1.lines-5655-5710`: the BST change, a local `timestamp` a day off, DateUTC repeated
 *   (orig. 5704/5706 and 5705/5707);
 * - `weather2.lines-885-955`: `-9999.0` temperature, pressure and wind speed, `Variable` wind;
 * - `weather2.lines-2060-2075`: the EDT change, DateUTC repeated (orig. 2067/2068);
 * - `weather10.lines-2155-2170`: `-9999.0` wind speed (orig. 2162).
 */
export const BDG1_WEATHER_SAMPLES = {
  weather1: new URL('../data/weather1.head.csv', import.meta.url),
  weather1Missing: new URL('../data/weather1.lines-720-735.csv', import.meta.url),
  weather1Dst: new URL('../data/weather1.lines-5655-5710.csv', import.meta.url),
  weather2: new URL('../data/weather2.head.csv', import.meta.url),
  weather2Missing: new URL('../data/weather2.lines-885-955.csv', import.meta.url),
  weather2Dst: new URL('../data/weather2.lines-2060-2075.csv', import.meta.url),
  weather10: new URL('../data/weather10.head.csv', import.meta.url),
  weather10Missing: new URL('../data/weather10.lines-2155-2170.csv', import.meta.url),
} as const satisfies Record<string, URL>;

/** Name of one shipped weather excerpt. */
export type Bdg1WeatherSample = keyof typeof BDG1_WEATHER_SAMPLES;

/** Station id of a shipped excerpt, as `parseMetaOpen` derives it (`weather2.csv` -> `bdg1-weather2`). */
export function bdg1WeatherStationOf(sample: Bdg1WeatherSample): string {
  return `bdg1-${sample.replace(/[A-Z].*$/, '')}`;
}

/** Reads and parses one shipped excerpt with its station id. */
export async function loadBdg1WeatherSample(sample: Bdg1WeatherSample): Promise<Bdg1WeatherParseResult> {
  const text = await readFile(BDG1_WEATHER_SAMPLES[sample], 'utf8');
  return parseBdg1Weather(text, { stationId: bdg1WeatherStationOf(sample) });
}
