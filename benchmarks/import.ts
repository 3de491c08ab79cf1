import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompressionTypes, type Message } from 'kafkajs';
import { preparePlatform } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { derivedEventId, HOUR_MS } from '../schemas/index.ts';
import {
  type ImportEvent,
  type ImportFormatFactory,
  type ImportOptions,
  runImport,
  type UnitOutcome,
} from '../sources/index.ts';
import { connectBenchPlatform } from './bench-platform.ts';

export interface ImportFigures {
  readonly values: number;
  readonly buildings: number;
  readonly fileMiB: number;
  readonly ceilingValuesPerS: number;
  readonly importValuesPerS: number;
  readonly importVsCeiling: number;
  readonly rssStartMiB: number;
  readonly rssPeakMiB: number;
  readonly rssEndMiB: number;
  readonly transactions: number;
  readonly batchUnits: number;
}

const META_OPEN = fileURLToPath(new URL('../sources/bdg1/data/meta_open.csv', import.meta.url));
const T0 = Date.UTC(2015, 0, 1);
const MiB = 1024 * 1024;

/** The real building ids of BDG1 (meta_open.csv's first column; its lines end in a lone CR). */
async function bdg1BuildingIds(): Promise<string[]> {
  const lines = (await readFile(META_OPEN, 'utf8')).split(/\r\n|\r|\n/).slice(1);
  return lines.map((l) => l.split(',')[0] ?? '').filter((id) => id !== '');
}

/** Writes a wide readings file (timestamp + one column per building, hourly, simulated kWh) row by row. */
async function writeWideFile(path: string, ids: readonly string[], hours: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(`timestamp,${ids.join(',')}\n`);
  for (let h = 0; h < hours; h += 1) {
    const cells = ids.map((_, i) => (50 + 30 * Math.sin((h + i) / 3.8) + ((h * 7 + i * 13) % 10)).toFixed(2));
    if (!out.write(`${new Date(T0 + h * HOUR_MS).toISOString()},${cells.join(',')}\n`))
      await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * A minimal wide format (UTC ISO timestamps, every column a building's electricity meter in kWh) standing
 * in for `readings-wide` until it is merged: swap `benchWideFormat` for the real factory in
 * {@link importBenchmark} (one line) to measure it.
 */
const benchWideFormat: ImportFormatFactory = {
  name: 'bench-wide',
  kind: 'readings',
  deadLetterTopic: 'sensorReadings',
  quoting: false,
  example: 'timestamp,Office_A\n2015-01-01T00:00:00.000Z,12.5\n2015-01-01T01:00:00.000Z,13',
  matches: (header) => header[0] === 'timestamp',
  create(options: ImportOptions) {
    let meters: string[] = [];
    const reading = (meterId: string, buildingId: string, at: Date, value: number): ImportEvent => ({
      topic: 'sensorReadings',
      key: meterId,
      event: {
        eventId: derivedEventId('bench-wide', meterId, at.getTime()),
        occurredAt: at,
        source: 'bench-import',
        buildingId,
        meterId,
        meterKind: 'electricity',
        value,
        unit: 'kWh',
        traceContext: null,
      },
    });
    let buildings: string[] = [];
    return {
      importer: 'bench-wide',
      unit: 'value',
      start(header) {
        buildings = header.fields.slice(1);
        meters = buildings.map((b) => `${b}:electricity`);
        return buildings.map((b, i) => ({
          topic: 'meters',
          key: meters[i] as string,
          event: {
            eventId: derivedEventId('bench-meter', b),
            occurredAt: options.registeredAt,
            source: 'bench-import',
            meterId: meters[i] as string,
            buildingId: b,
            meterKind: 'electricity',
            unit: 'kWh',
            brickClass: 'Electrical_Energy_Sensor',
            traceContext: null,
          },
        }));
      },
      record(record) {
        const at = new Date(record.fields[0] ?? '');
        const units: UnitOutcome[] = [];
        for (let i = 1; i < record.fields.length; i += 1) {
          const value = Number(record.fields[i]);
          units.push(
            Number.isFinite(value) && !Number.isNaN(at.getTime())
              ? { kind: 'produced', event: reading(meters[i - 1] ?? '', buildings[i - 1] ?? '', at, value) }
              : { kind: 'deadLettered', reason: 'not a number', detail: `column ${i}` },
          );
        }
        return [{ record, registrations: [], units }];
      },
      end: () => [],
    };
  },
};

/**
 * `npm run bench -- import`: imports a generated wide readings file (real BDG1 building ids,
 * simulated values) and compares with the ceiling: the same events, pre-encoded, sent by a plain
 * idempotent producer in big batches. RSS is sampled throughout to show it stays flat.
 */
export async function importBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<ImportFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      values: { type: 'string', default: '1000000' },
      buildings: { type: 'string', default: '500' },
      'batch-units': { type: 'string', default: '20000' },
    },
  });
  const ids = (await bdg1BuildingIds()).slice(0, Number(values.buildings));
  const hours = Math.ceil(Number(values.values) / ids.length);
  const total = hours * ids.length;
  const dir = await mkdtemp(join(tmpdir(), 'eaio-bench-import-'));
  const file = join(dir, 'electricity.csv');
  const id = randomBytes(3).toString('hex');
  const platform = connectBenchPlatform(config, endpoints, id);
  const factory = benchWideFormat; // swap for IMPORT_FORMATS' `readings-wide` once merged
  try {
    await writeWideFile(file, ids, hours);
    await preparePlatform(platform);
    const options: ImportOptions = {
      fileName: 'electricity.csv',
      timezoneOf: () => 'UTC',
      timezoneOfStation: () => 'UTC',
      registeredAt: new Date(T0),
    };

    // The import, with RSS sampled every 100 ms.
    global.gc?.();
    const rssStart = process.memoryUsage().rss;
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 100);
    let transactions = 0;
    const importStart = performance.now();
    const summary = await runImport(
      { kafka: platform.kafka, codec: platform.codec, names: platform.names, logger: platform.logger },
      {
        path: file,
        factory,
        options,
        batchUnits: Number(values['batch-units']),
        beforeCommit: (n) => {
          transactions = n;
        },
      },
    );
    const importSeconds = (performance.now() - importStart) / 1000;
    clearInterval(sampler);
    const rssEnd = process.memoryUsage().rss;
    if (summary.produced !== total) throw new Error(`import produced ${summary.produced} of ${total} values`);
    // Ceiling, after the import so its RSS is the import's own: the same events, encoded up front (not
    // timed), produced as fast as a plain producer goes.
    const format = factory.create(options);
    const encoded: Message[] = [];
    const header = `timestamp,${ids.join(',')}`;
    format.start({ line: 1, fields: header.split(','), text: header });
    for (let h = 0; h < Math.min(hours, 2_000); h += 1) {
      const at = new Date(T0 + h * HOUR_MS).toISOString();
      const fields = [at, ...ids.map(() => '1.5')];
      for (const result of format.record({ line: h + 2, fields, text: fields.join(',') }))
        for (const unit of result.units)
          if (unit.kind === 'produced')
            encoded.push({
              key: unit.event.key,
              value: await platform.codec.encode('sensorReadings', unit.event.event as never),
            });
    }
    const producer = await platform.producer();
    const topic = platform.names.topic('sensorReadings');
    const ceilingStart = performance.now();
    for (let sent = 0; sent < total; ) {
      const from = sent % encoded.length;
      // 2,000 a send: kafkajs 2.2.4 groups a send by partition in quadratic time, so bigger sends are slower.
      const batch = encoded.slice(from, Math.min(encoded.length, from + 2_000, from + total - sent));
      await producer.send({ topic, messages: batch, acks: -1, compression: CompressionTypes.None });
      sent += batch.length;
    }
    const ceilingSeconds = (performance.now() - ceilingStart) / 1000;
    encoded.length = 0;

    const ceiling = total / ceilingSeconds;
    const imported = total / importSeconds;
    return {
      values: total,
      buildings: ids.length,
      fileMiB: Math.round(((await stat(file)).size / MiB) * 10) / 10,
      ceilingValuesPerS: Math.round(ceiling),
      importValuesPerS: Math.round(imported),
      importVsCeiling: Math.round((imported / ceiling) * 100) / 100,
      rssStartMiB: Math.round(rssStart / MiB),
      rssPeakMiB: Math.round(rssPeak / MiB),
      rssEndMiB: Math.round(rssEnd / MiB),
      transactions,
      batchUnits: Number(values['batch-units']),
    };
  } finally {
    await platform.close();
    const admin = platform.kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`bench.${id}.`));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}
