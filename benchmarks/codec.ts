import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { createEventCodec, type SensorReading, topicNames } from '../schemas/index.ts';

export interface CodecFigures {
  readonly events: number;
  readonly avroEncodePerS: number;
  readonly avroDecodePerS: number;
  readonly jsonEncodePerS: number;
  readonly jsonDecodePerS: number;
  readonly avroBytesPerEvent: number;
  readonly jsonBytesPerEvent: number;
}

function readings(count: number): SensorReading[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    occurredAt: new Date(Date.UTC(2015, 0, 1) + i * 3_600_000),
    source: 'bench',
    buildingId: 'Office_Cristina',
    meterId: `Office_Cristina:m${i % 12}`,
    meterKind: 'electricity',
    value: 100 + (i % 97) / 7,
    unit: 'kWh',
    qualityFlags: [],
    traceContext: null,
  }));
}

async function timed(work: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/**
 * A SensorReading through the project's codec (Confluent framing, Avro, registry-cached ids and
 * resolvers) against JSON.stringify/JSON.parse of the same objects, in one run.
 */
export async function codecBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<CodecFigures> {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string', default: '200000' } } });
  const count = Number(values.events);
  // Its own subjects, so the benchmark never registers over a deployment's schemas.
  const names = topicNames(`${config.kafka.topicPrefix}bench.${randomBytes(3).toString('hex')}.`);
  const codec = createEventCodec({ registryUrl: endpoints.registryUrl, names });
  await codec.registerAll();
  const events = readings(count);
  // Warm-up: the first calls fetch the schema id and build the resolver.
  await codec.decode('sensorReadings', await codec.encode('sensorReadings', events[0] as SensorReading));

  const avro: Buffer[] = new Array(count);
  const avroEncodeMs = await timed(async () => {
    for (let i = 0; i < count; i++)
      avro[i] = await codec.encode('sensorReadings', events[i] as SensorReading);
  });
  const avroDecodeMs = await timed(async () => {
    for (let i = 0; i < count; i++) await codec.decode('sensorReadings', avro[i] as Buffer);
  });
  const json: string[] = new Array(count);
  const jsonEncodeMs = await timed(() => {
    for (let i = 0; i < count; i++) json[i] = JSON.stringify(events[i]);
  });
  const jsonDecodeMs = await timed(() => {
    for (let i = 0; i < count; i++) JSON.parse(json[i] as string);
  });
  const perS = (ms: number) => Math.round((count / ms) * 1000);
  const sum = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0);
  return {
    events: count,
    avroEncodePerS: perS(avroEncodeMs),
    avroDecodePerS: perS(avroDecodeMs),
    jsonEncodePerS: perS(jsonEncodeMs),
    jsonDecodePerS: perS(jsonDecodeMs),
    avroBytesPerEvent: Math.round((sum(avro.map((b) => b.length)) / count) * 10) / 10,
    jsonBytesPerEvent: Math.round((sum(json.map((s) => Buffer.byteLength(s))) / count) * 10) / 10,
  };
}
