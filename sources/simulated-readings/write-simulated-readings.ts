import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import type { Bdg1Building } from '../bdg1/index.ts';
import { DEFAULT_UNIT_OF_KIND } from '../import/index.ts';
import type { SimulatedMeter } from './simulated-meters.ts';
import { formatLabel, occupiedValue, seededUnit, simulatedMeters, ZoneClock } from './simulated-meters.ts';

/** What every simulated reading file is made of. */
export interface SimulatedReadingsOptions {
  /** File to (over)write. */
  readonly path: string;
  /** Buildings with their ids, floor areas and zones, e.g. `parseMetaOpen(meta_open.csv).buildings`. */
  readonly buildings: readonly Bdg1Building[];
  readonly meterKind: MeterKind;
  /**
   * First row. With `timestamps: 'utc'` the instant; with `'local'` the wall-clock label its UTC fields
   * spell (`2016-01-01T00:00Z` -> `2016-01-01 00:00:00` in every building's zone).
   */
  readonly from: Date;
  /** Number of hourly rows. */
  readonly hours: number;
  /** Same seed, same file. */
  readonly seed: string | number;
  /**
   * `utc`: labels are instants (BDG1 layout writes them with `+00:00`). `local`: labels are wall-clock
   * times, one per hour of the calendar as BDG2 writes them, so the label skipped at the spring-forward
   * change is present and the repeated fall-back hour appears once.
   */
  readonly timestamps: 'utc' | 'local';
  /** Unit written in a long file (and only documented for a wide one); the kind's default otherwise. */
  readonly unit?: ReadingUnit;
  /**
   * Cells before a building's first reading are empty, as in the real files before each building's
   * `datastart`: a map of building id to that instant, or `staggered` to start a seeded fifth of the
   * buildings part-way through the period.
   */
  readonly emptyBefore?: ReadonlyMap<string, Date> | 'staggered';
  /** Share of the other cells left empty (meter outages), seeded; 0 by default. */
  readonly gapRate?: number;
}

/** A wide file: one column per building, in the layout of BDG1 `temp_open_utc.csv` or BDG2 `meters/raw`. */
export interface SimulatedWideReadingsOptions extends SimulatedReadingsOptions {
  readonly layout: 'bdg1' | 'bdg2';
}

/** What was written, for tests and benchmarks to check against. */
export interface SimulatedReadingsFile {
  readonly path: string;
  readonly rows: number;
  readonly meters: number;
  /** Cells (wide) or rows (long) holding a value. */
  readonly values: number;
  /** Cells (wide) or rows (long) left empty. */
  readonly empty: number;
  readonly bytes: number;
}

/** Flush to the file in pieces this large: big enough to be cheap, small enough to keep memory flat. */
const CHUNK_CHARS = 1 << 16;

/** Writes `text`, waiting for the stream to drain when its buffer is full (backpressure). */
async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

function startsOf(options: SimulatedReadingsOptions): ReadonlyMap<string, number> {
  const starts = new Map<string, number>();
  const { emptyBefore } = options;
  if (emptyBefore === 'staggered') {
    for (const b of options.buildings) {
      const u = seededUnit(`${options.seed}|start|${b.buildingId}`);
      if (u < 0.2)
        starts.set(b.buildingId, options.from.getTime() + Math.floor((u / 0.2) * options.hours) * HOUR_MS);
    }
  } else if (emptyBefore !== undefined) {
    for (const [id, at] of emptyBefore) starts.set(id, at.getTime());
  }
  return starts;
}

/** The rows of a simulated file, one row per hour: its label, and per meter a value or undefined (empty). */
interface RowPlan {
  readonly meters: readonly SimulatedMeter[];
  /** Calls `each(labelMs, values)` per row, reusing `values` between rows. */
  forEachRow(
    each: (labelMs: number, values: readonly (number | undefined)[]) => Promise<void>,
  ): Promise<void>;
}

function planRows(options: SimulatedReadingsOptions, unit: ReadingUnit): RowPlan {
  const meters = simulatedMeters(options.buildings, options.meterKind, unit, options.seed);
  const starts = startsOf(options);
  const clock = new ZoneClock();
  const zones = [...new Set(meters.map((m) => m.timezone))];
  const zoneOf = meters.map((m) => zones.indexOf(m.timezone));
  const startOf = meters.map((m) => starts.get(m.buildingId) ?? Number.NEGATIVE_INFINITY);
  const gapRate = options.gapRate ?? 0;
  return {
    meters,
    async forEachRow(each) {
      const atOfZone = new Array<number>(zones.length);
      const hourOfZone = new Array<number>(zones.length);
      const values = new Array<number | undefined>(meters.length);
      const fromMs = options.from.getTime();
      for (let r = 0; r < options.hours; r++) {
        const labelMs = fromMs + r * HOUR_MS;
        // The time zone is worked out once per row and zone, never per value.
        for (let z = 0; z < zones.length; z++) {
          const zone = zones[z] as string;
          const at = options.timestamps === 'utc' ? labelMs : clock.instantOf(labelMs, zone);
          atOfZone[z] = at;
          hourOfZone[z] =
            options.timestamps === 'utc' ? clock.localHour(at, zone) : new Date(labelMs).getUTCHours();
        }
        for (let m = 0; m < meters.length; m++) {
          const meter = meters[m] as SimulatedMeter;
          const z = zoneOf[m] as number;
          const at = atOfZone[z] as number;
          const gap = gapRate > 0 && seededUnit(`${options.seed}|gap|${meter.meterId}|${r}`) < gapRate;
          values[m] =
            at < (startOf[m] as number) || gap
              ? undefined
              : occupiedValue(meter, at, hourOfZone[z] as number);
        }
        await each(labelMs, values);
      }
    },
  };
}

async function writeRows(
  path: string,
  header: string,
  plan: RowPlan,
  render: (labelMs: number, values: readonly (number | undefined)[]) => string,
): Promise<{ bytes: number }> {
  const stream = createWriteStream(path);
  let chunk = `${header}\n`;
  let bytes = 0;
  try {
    await plan.forEachRow(async (labelMs, values) => {
      chunk += render(labelMs, values);
      if (chunk.length >= CHUNK_CHARS) {
        bytes += Buffer.byteLength(chunk);
        await write(stream, chunk);
        chunk = '';
      }
    });
    bytes += Buffer.byteLength(chunk);
    stream.end(chunk);
    await finished(stream);
  } catch (error) {
    stream.destroy();
    throw error;
  }
  return { bytes };
}

/**
 * Streams a wide readings file of simulated hourly values for real building ids: `timestamp` and one
 * column per building, values shaped like an occupied building (night base, working-day plateau) in each
 * building's local time. Memory stays flat whatever `hours` is (the file is written with backpressure).
 */
export async function writeSimulatedWideReadings(
  options: SimulatedWideReadingsOptions,
): Promise<SimulatedReadingsFile> {
  const plan = planRows(options, options.unit ?? DEFAULT_UNIT_OF_KIND[options.meterKind]);
  const suffix = options.layout === 'bdg1' && options.timestamps === 'utc' ? '+00:00' : '';
  let values = 0;
  let empty = 0;
  const { bytes } = await writeRows(
    options.path,
    ['timestamp', ...plan.meters.map((m) => m.buildingId)].join(','),
    plan,
    (labelMs, row) => {
      let line = formatLabel(labelMs) + suffix;
      for (const v of row) {
        if (v === undefined) {
          line += ',';
          empty++;
        } else {
          line += `,${v}`;
          values++;
        }
      }
      return `${line}\n`;
    },
  );
  return { path: options.path, rows: options.hours, meters: plan.meters.length, values, empty, bytes };
}

/**
 * Streams a long readings file (`timestamp,meter_id,value,unit`) of the same simulated values, one row
 * per meter and hour, meter ids `<buildingId>:<meterKind>`; UTC labels are written as ISO instants (`Z`),
 * local labels as wall-clock times. Empty values are written as empty cells.
 */
export async function writeSimulatedLongReadings(
  options: SimulatedReadingsOptions,
): Promise<SimulatedReadingsFile> {
  const unit = options.unit ?? DEFAULT_UNIT_OF_KIND[options.meterKind];
  const plan = planRows(options, unit);
  let values = 0;
  let empty = 0;
  const { bytes } = await writeRows(options.path, 'timestamp,meter_id,value,unit', plan, (labelMs, row) => {
    const stamp = options.timestamps === 'utc' ? new Date(labelMs).toISOString() : formatLabel(labelMs);
    let lines = '';
    for (let m = 0; m < row.length; m++) {
      const v = row[m];
      if (v === undefined) empty++;
      else values++;
      lines += `${stamp},${(plan.meters[m] as SimulatedMeter).meterId},${v ?? ''},${unit}\n`;
    }
    return lines;
  });
  return {
    path: options.path,
    rows: options.hours * plan.meters.length,
    meters: plan.meters.length,
    values,
    empty,
    bytes,
  };
}
