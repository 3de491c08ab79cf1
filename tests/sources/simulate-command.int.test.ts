import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicKey } from '../../schemas/index.ts';
import { BDG1_WEATHER_FILES, parseBdg1Weather, parseGroundTruth } from '../../sources/index.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const START = '2030-07-15T00:00:00.000Z';
const INTERVAL_MS = 10 * 60_000;
const STEPS = 6;
/** The five first buildings: Clifford (3 meters), Cristina, Jolie, Jaylin, Uma (2 each). */
const BUILDINGS = 5;
const METERS = 11;
const COUNT = STEPS * METERS;

/** Runs `eaio simulate` to completion and returns its JSON summary. */
async function simulate(platform: TestPlatform, extra: readonly string[]): Promise<Record<string, unknown>> {
  const run = spawnEaio(
    [
      'simulate',
      ...['--buildings', String(BUILDINGS), '--start', START, '--interval', '10m', '--speed', 'max'],
      ...['--count', String(COUNT), '--json', ...extra],
    ],
    platform.childEnv,
  );
  const code = await run.exited();
  expect(code, run.stderr()).toBe(0);
  return JSON.parse(run.stdout().trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

/**
 * Observations of a station in the simulated window, counted independently of the replay: straight
 * from the file, at the same month, day and time in the file's year.
 */
async function expectedObservations(stationId: string, fileYear: number): Promise<number> {
  const url = BDG1_WEATHER_FILES[stationId];
  if (url === undefined) throw new Error(`no file for ${stationId}`);
  const { observations } = parseBdg1Weather(await readFile(url, 'utf8'), { stationId });
  const to = Date.UTC(fileYear, 6, 15) + (STEPS - 1) * INTERVAL_MS;
  const from = Date.UTC(fileYear, 6, 15) - INTERVAL_MS;
  return observations.filter((o) => o.occurredAt.getTime() > from && o.occurredAt.getTime() <= to).length;
}

describe('eaio simulate', () => {
  let platform: TestPlatform;
  let folder: string;

  const read = async (key: TopicKey, count: number) => {
    const messages = await platform.readAll(platform.names.topic(key), count);
    expect(messages).toHaveLength(count);
    return messages;
  };
  const decoded = async <K extends TopicKey>(key: K, messages: readonly KafkaMessage[]) =>
    Promise.all(messages.map(async (m) => (await platform.codec.decode(key, m.value)).value));
  const times = (messages: readonly KafkaMessage[]) => messages.map((m) => Number(m.timestamp));

  beforeAll(async () => {
    platform = await createTestPlatform('simulate');
    folder = await mkdtemp(join(tmpdir(), 'eaio-simulate-'));
  });

  afterAll(async () => {
    await platform?.dispose();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('registers buildings, then meters, then produces the counted readings and the replayed weather', async () => {
    const summary = await simulate(platform, []);
    expect(summary).toMatchObject({
      buildings: BUILDINGS,
      meters: METERS,
      generated: COUNT,
      readings: COUNT,
    });

    const buildings = await read('buildings', BUILDINGS);
    const meters = await read('meters', METERS);
    const readings = await read('sensorReadings', COUNT);
    // Produced in this order: every registration is on the log before the first reading.
    expect(Math.max(...times(buildings))).toBeLessThanOrEqual(Math.min(...times(meters)));
    expect(Math.max(...times(meters))).toBeLessThanOrEqual(Math.min(...times(readings)));

    const buildingEvents = await decoded('buildings', buildings);
    expect(buildingEvents.map((b) => b.buildingId)).toContain('Office_Cristina');
    const meterEvents = await decoded('meters', meters);
    expect(meterEvents.every((m) => m.brickClass !== null && m.source === 'simulator')).toBe(true);
    const readingEvents = await decoded('sensorReadings', readings);
    expect(new Set(readingEvents.map((r) => r.eventId)).size).toBe(COUNT);
    expect(new Set(readingEvents.map((r) => r.meterId))).toEqual(new Set(meterEvents.map((m) => m.meterId)));
    expect(readingEvents.every((r) => r.value > 0)).toBe(true);

    // Stations of the five: weather2 (2015 file), weather1 (Dec 2014–Nov 2015), weather10 (Feb 2012–Jan 2013).
    const expected =
      (await expectedObservations('bdg1-weather1', 2015)) +
      (await expectedObservations('bdg1-weather2', 2015)) +
      (await expectedObservations('bdg1-weather10', 2012));
    expect(expected).toBeGreaterThan(0);
    expect(summary.observations).toBe(expected);
    const weather = await decoded('weatherObservations', await read('weatherObservations', expected));
    for (const o of weather) {
      expect(o.occurredAt.getTime()).toBeGreaterThan(Date.parse(START) - INTERVAL_MS);
      expect(o.occurredAt.getTime()).toBeLessThanOrEqual(Date.parse(START) + (STEPS - 1) * INTERVAL_MS);
    }
  });

  it('records every injected fault in the ground-truth file, and the readings produced agree with it', async () => {
    const groundTruth = join(folder, 'truth.jsonl');
    const summary = await simulate(platform, [
      ...['--seed', '7', '--faults', 'spike=0.05,duplicate=0.05,unit_mixup=0.05'],
      ...['--ground-truth', groundTruth],
    ]);
    const faults = parseGroundTruth(await readFile(groundTruth, 'utf8'));
    expect(faults.length).toBeGreaterThan(0);
    expect(summary.groundTruth).toBe(groundTruth);
    const duplicates = faults.filter((f) => f.kind === 'duplicate').length;
    expect(summary.readings).toBe(COUNT + duplicates);
    // Seed 7 gives other reading ids than seed 1: the topic now holds both runs.
    const all = await decoded('sensorReadings', await read('sensorReadings', 2 * COUNT + duplicates));
    const byId = new Map<string, number>();
    for (const r of all) byId.set(r.eventId, (byId.get(r.eventId) ?? 0) + 1);
    for (const f of faults) {
      const id = f.eventIds[0] ?? '';
      expect(byId.get(id), `${f.kind} ${id}`).toBe(f.kind === 'duplicate' ? 2 : 1);
    }
  });
});
