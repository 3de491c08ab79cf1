import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CompressionTypes, type Message } from 'kafkajs';
import { preparePlatform } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import {
  type ImportOptions,
  loadBdg1Buildings,
  readingsWideFormat,
  runImport,
  type SourceRecord,
  writeSimulatedWideReadings,
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

const T0 = Date.UTC(2015, 0, 1);
const MiB = 1024 * 1024;
/** Data lines of the file encoded up front for the ceiling, then sent round and round. */
const CEILING_LINES = 2_000;

/** The first `count` data records of a file, as the engine hands them to a format. */
async function firstRecords(path: string, count: number): Promise<SourceRecord[]> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  const records: SourceRecord[] = [];
  for await (const text of lines) {
    records.push({ line: records.length + 1, fields: text.split(','), text });
    if (records.length > count) break;
  }
  lines.close();
  return records;
}

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
  const buildings = (await loadBdg1Buildings()).slice(0, Number(values.buildings));
  const hours = Math.ceil(Number(values.values) / buildings.length);
  const dir = await mkdtemp(join(tmpdir(), 'eaio-bench-import-'));
  const file = join(dir, 'electricity.csv');
  const id = randomBytes(3).toString('hex');
  const platform = connectBenchPlatform(config, endpoints, id);
  const factory = readingsWideFormat;
  try {
    const written = await writeSimulatedWideReadings({
      path: file,
      buildings,
      meterKind: 'electricity',
      from: new Date(T0),
      hours,
      seed: 'bench-import',
      layout: 'bdg1',
      timestamps: 'utc',
    });
    const total = written.values;
    await preparePlatform(platform);
    const options: ImportOptions = {
      fileName: 'electricity.csv',
      timestamps: 'utc',
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
    const [header, ...records] = await firstRecords(file, CEILING_LINES);
    if (header === undefined) throw new Error(`${file} is empty`);
    format.start(header);
    for (const record of records) {
      for (const result of format.record(record))
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
      buildings: buildings.length,
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
