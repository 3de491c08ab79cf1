import { z } from 'zod';
import { METER_KINDS, READING_UNITS } from '../schemas/index.ts';

/** Argument fields shared by the tools, described once so every tool says the same. */
export const buildingIdInput = z
  .string()
  .min(1)
  .max(200)
  .describe(
    "Building id as registered, e.g. 'Office_Cristina'. List them via the eaio://buildings/{id} resources.",
  );

/** An ISO 8601 instant with a zone (`Z` or an offset), e.g. `2016-03-01T00:00:00Z`. */
export const instantInput = (what: string) =>
  z.iso.datetime({ offset: true }).describe(`${what}, ISO 8601 with a zone, e.g. 2016-03-01T00:00:00Z.`);

export const fromInput = instantInput('Start of the event-time range (inclusive)');
export const toInput = instantInput('End of the event-time range (exclusive)');

export const meterKindInput = z
  .enum(METER_KINDS)
  .describe('Meter kind (electricity, chilled_water, steam, hot_water, gas, water, irrigation, solar).');

export const unitInput = z
  .enum(READING_UNITS)
  .describe('Unit of the readings to use (kWh, kBTU, MJ, therm, ton_h, m3, L, gal); default kWh.');

/**
 * The as-of bound of the time-series tools: the answer as it would have been with only the events
 * whose event time is up to then (`rollups` describes how buckets count).
 */
export const asOfInput = (rollups: boolean) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      `Answer as of this instant, ISO 8601 with a zone (e.g. 2016-03-08T00:00:00Z): only events with event time up to then count${
        rollups
          ? '; a bucket counts only if it ends at or before asOf (one still open then is left out whole)'
          : ''
      }. Omit for everything known now. The answer's asOf field echoes the instant applied.`,
    );

/** The query field of an optional `asOf` argument. */
export const asOfField = (asOf: string | undefined): { asOf?: Date } =>
  asOf === undefined ? {} : { asOf: new Date(asOf) };
