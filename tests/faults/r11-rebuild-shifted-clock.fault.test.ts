import { afterAll, describe, expect, it } from 'vitest';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { generationSchema } from '../../projections/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkDerivedTables, checkDerivedTopics } from './support/derived.ts';
import { countMessages } from './support/event-checks.ts';
import { childClocks, shiftedClockEnv } from './support/faketime.ts';
import { createFaultPlatform, type FaultPlatform } from './support/fault-platform.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';

// R11 (docs/reliability.md): `eaio projections rebuild readings` runs while two simulators produce,
// one with its clock days ahead and one days behind, and the windows processor and the rebuild
// themselves run under shifted clocks. The rebuilt read model must equal the ledger, the rollups
// (windows by event time, lateness by the watermark) must equal the stored readings bucketed by
// event time, and the rebuild must switch generations by itself.
const COUNT = sized(1_500, 15_000);
/** Hours of event time per second after the backfill: about 90 s (ahead) and 70 s (behind) of producing at CI size, 200 s and 150 s at full size (a longer rebuild). */
const STEPS_PER_SECOND = sized({ ahead: 3, behind: 4 }, { ahead: 15, behind: 20 });
const RECOVERY_LIMIT_MS = sized(60_000, 180_000);
const REPRODUCE = 'npx vitest run tests/faults/r11-rebuild-shifted-clock.fault.test.ts';
const DAY_MS = 86_400_000;
/** Meters of `--buildings 2`: the first two BDG1 buildings, whatever the seed. */
const METERS = 5;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(e));
}, 120_000);

function start(args: string[], env: Record<string, string>): EaioProcess {
  const proc = spawnEaio(args, env);
  cleanups.push(() => proc.kill());
  return proc;
}

async function succeeded(proc: EaioProcess, what: string): Promise<void> {
  const code = await proc.exited();
  if (code !== 0) throw new Error(`${what} exited ${code}: ${proc.stderr().slice(-2_000)}`);
}

/**
 * A simulator run of COUNT readings (5 meters, so COUNT / 5 hourly steps): a day of backfill at
 * once, then `stepsPerSecond` hours of event time per second, so it is still producing when the
 * rebuild switches.
 */
function simulate(platform: FaultPlatform, seed: number, clock: string, stepsPerSecond: number): EaioProcess {
  return start(
    [
      'simulate',
      '--buildings',
      '2',
      '--seed',
      String(seed),
      '--backfill',
      '1d',
      '--interval',
      '1h',
      '--speed',
      String(stepsPerSecond * 3_600),
      '--count',
      String(COUNT),
    ],
    { ...platform.childEnv, ...shiftedClockEnv(clock) },
  );
}

/** One reading on the log: its event id, its meter-hour and where it sits. */
interface LoggedReading {
  readonly eventId: string;
  /** The read model's key: meter and event time. */
  readonly key: string;
  readonly partition: number;
  readonly offset: bigint;
}

/** Every reading on the log up to its end now: what the simulators' sends were acknowledged for. */
async function readingsOnTheLog(platform: FaultPlatform): Promise<LoggedReading[]> {
  const messages = await readTopicToEnd(platform.kafka, platform.names.topic('sensorReadings'));
  return Promise.all(
    messages.map(async ({ partition, message }) => {
      const reading = (await platform.codec.decode('sensorReadings', message.value)).value as SensorReading;
      return {
        eventId: reading.eventId,
        key: `${reading.meterId}@${reading.occurredAt.toISOString()}`,
        partition,
        offset: BigInt(message.offset),
      };
    }),
  );
}

/**
 * What the readings read model must hold: per meter-hour, the reading furthest along the log (a
 * later reading of the same meter and time is a correction and replaces it). Both simulators run
 * the same fleet (the first two BDG1 buildings whatever the seed) and 300 hourly steps each, so
 * their event times overlap by 7.5 days: 900 readings of the one ahead are replaced by the later
 * ones of the one behind.
 */
function latestPerMeterHour(logged: readonly LoggedReading[]): Map<string, LoggedReading> {
  const latest = new Map<string, LoggedReading>();
  for (const r of logged) {
    const seen = latest.get(r.key);
    // One meter's readings share a partition (keyed by meter), so the offset orders them.
    if (seen !== undefined && seen.partition !== r.partition)
      throw new Error(`${r.key} on partitions ${seen.partition} and ${r.partition}`);
    if (seen === undefined || r.offset > seen.offset) latest.set(r.key, r);
  }
  return latest;
}

/** The served readings against the expected ones: each expected event id once, nothing else. */
async function checkServed(
  platform: FaultPlatform,
  expected: ReadonlyMap<string, LoggedReading>,
): Promise<{ rows: number; missing: string[]; duplicated: number; unexpected: number }> {
  const { rows } = await platform.pool.query<{ event_id: string; n: string }>(
    'SELECT event_id, count(*) AS n FROM readings GROUP BY event_id',
  );
  const stored = new Map(rows.map((r) => [r.event_id, Number(r.n)]));
  const wanted = new Set([...expected.values()].map((r) => r.eventId));
  let total = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const [id, n] of stored) {
    total += n;
    duplicated += n - 1;
    if (!wanted.has(id)) unexpected += 1;
  }
  return { rows: total, missing: [...wanted].filter((id) => !stored.has(id)), duplicated, unexpected };
}

describe('R11: a rebuild while producers run under a shifted clock', () => {
  it('the rebuilt read model equals the ledger, windows follow event time, the switch is automatic', async () => {
    const started = performance.now();
    const ledger = new AckLedger('r11');
    // The shift reaches a child: its Date.now() is two days ahead of ours, its monotonic clock is ours.
    const monotonicBefore = process.hrtime.bigint();
    const child = childClocks('+2d');
    const monotonicAfter = process.hrtime.bigint();
    expect(Math.abs(child.wallMs - Date.now() - 2 * DAY_MS)).toBeLessThan(60_000);
    expect(child.monotonicNs).toBeGreaterThanOrEqual(monotonicBefore);
    expect(child.monotonicNs).toBeLessThanOrEqual(monotonicAfter);

    const platform = await createFaultPlatform('r11', {});
    cleanups.push(() => platform.dispose());
    const schema = platform.config.postgres.schema;
    // The live projector on the true clock; the windows processor five hours behind.
    start(['project'], platform.childEnv);
    start(['process', 'reading-aggregates'], { ...platform.childEnv, ...shiftedClockEnv('-5h') });

    // Producers days ahead and days behind, each a simulator run that stops after COUNT readings,
    // paced so that both still produce when the rebuild switches.
    const ahead = simulate(platform, 11, '+2d', STEPS_PER_SECOND.ahead);
    await waitFor(
      'the first readings projected',
      async () => ((await countRows(platform, 'readings')) > 0 ? true : undefined),
      // A simulator registers its schemas and fleet first: a minute on a loaded 2-core machine.
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    const behind = simulate(platform, 12, '-3d', STEPS_PER_SECOND.behind);
    await waitFor(
      'the first readings of the simulator behind projected',
      async () =>
        (await countRows(platform, `readings WHERE occurred_at < now() - interval '2 days'`)) > 0
          ? true
          : undefined,
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    // The rebuild, its own clock a week ahead, while both produce.
    const rebuildStarted = performance.now();
    const rebuild = start(['projections', 'rebuild', 'readings'], {
      ...platform.childEnv,
      ...shiftedClockEnv('+7d'),
    });
    await succeeded(rebuild, 'eaio projections rebuild readings');
    const rebuildEnded = performance.now();
    const rebuildMs = Math.round(rebuildEnded - rebuildStarted);
    expect(rebuild.stdout() + rebuild.stderr()).toMatch(
      /Projection readings: generation 2 is active; g1 retired/,
    );
    // The rebuild switched, and exited, while both simulators were still producing.
    const stillProducing = { ahead: ahead.child.exitCode === null, behind: behind.child.exitCode === null };
    expect(stillProducing).toEqual({ ahead: true, behind: true });
    const aheadEnded = ahead.exited().then(() => performance.now());
    const behindEnded = behind.exited().then(() => performance.now());
    await succeeded(ahead, 'the simulator two days ahead');
    await succeeded(behind, 'the simulator three days behind');
    const producersDone = performance.now();
    const aheadMs = Math.round((await aheadEnded) - rebuildEnded);
    const behindMs = Math.round((await behindEnded) - rebuildEnded);

    const logged = await readingsOnTheLog(platform);
    ledger.recordAcked(logged.map((r) => r.eventId));
    expect(ledger.acknowledged.size).toBe(2 * COUNT);
    const expected = latestPerMeterHour(logged);
    // Every acknowledged reading is accounted for: served, or replaced by a later one of its meter-hour.
    const superseded = ledger.acknowledged.size - expected.size;

    await waitFor(
      'every expected reading in the rebuilt generation',
      async () => ((await checkServed(platform, expected)).missing.length === 0 ? true : undefined),
      { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 250 },
    ).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}: ${await whereMissing(platform, expected, logged)}`);
    });
    const recoveryMs = Math.round(performance.now() - producersDone);
    const check = await checkServed(platform, expected);
    expect(check.missing).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(check.unexpected).toBe(0);
    expect(check.rows).toBe(expected.size);

    // The switch happened by itself: readers see generation 2, generation 1 is retired.
    const { rows: generations } = await platform.pool.query<{ generation: number; status: string }>(
      `SELECT generation, status FROM "${schema}".projection_generations WHERE projection = 'readings' ORDER BY generation`,
    );
    expect(generations).toEqual([
      { generation: 1, status: 'retired' },
      { generation: 2, status: 'active' },
    ]);
    const { rows: views } = await platform.pool.query<{ definition: string }>(
      "SELECT definition FROM pg_views WHERE schemaname = $1 AND viewname = 'readings'",
      [schema],
    );
    expect(views[0]?.definition).toContain(`${generationSchema(schema, 'readings', 2)}.readings`);
    // The switch came while readings still arrived, or it proved nothing: the retired g1, frozen at
    // the switch, holds fewer readings than the log.
    const g1 = generationSchema(schema, 'readings', 1);
    const frozen = await countRows(platform, `${g1}.readings`);
    expect(frozen).toBeLessThan(ledger.acknowledged.size);
    // What g1 holds and g2 does not are readings a later one of the same meter-hour replaced after
    // the switch (a previous run took these for readings lost by the switch), none other.
    const { rows: replacedInG2 } = await platform.pool.query<{ event_id: string }>(
      `SELECT event_id FROM ${g1}.readings WHERE event_id NOT IN (SELECT event_id FROM readings)`,
    );
    const served = new Set([...expected.values()].map((r) => r.eventId));
    expect(
      replacedInG2.filter((r) => served.has(r.event_id) || !ledger.acknowledged.has(r.event_id)),
    ).toEqual([]);

    // Event times span the shifted clocks: days behind to days ahead of the true time.
    const { rows: span } = await platform.pool.query<{ first: Date; last: Date }>(
      'SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM readings',
    );
    const now = Date.now();
    expect(span[0]?.first.getTime()).toBeLessThan(now - 2 * DAY_MS);
    expect(span[0]?.last.getTime()).toBeGreaterThan(now + DAY_MS);

    // Windows by event time, whatever the processor's clock: the aggregates topic is what the pure
    // windows operator (no clock) makes of each partition's log, and the rollups hold, per window,
    // its latest statement plus its deltas.
    const windows = await waitFor(
      'the aggregates and rollups settled',
      async () => {
        const tables = await checkDerivedTables(platform);
        const [topic] = await checkDerivedTopics(platform, ['reading-aggregates']);
        return tables.rollupsWrong === 0 && topic?.lost === 0 ? { tables, topic } : undefined;
      },
      { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 1_000 },
    ).catch(async () => ({
      tables: await checkDerivedTables(platform),
      topic: (await checkDerivedTopics(platform, ['reading-aggregates']))[0],
    }));
    expect(windows.tables.rollupSample).toEqual([]);
    expect(windows.topic).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
    // And against the stored readings: every meter-hour with one reading on the log (no correction,
    // which past allowed lateness the windows add rather than replace, as documented) has in
    // rollups_1h the sum and count of readings_1h, or is among the windows the watermark has not
    // closed yet (each meter's last two hours: no idle flush).
    const hours = await compareHours(platform, logged);
    expect(hours.wrong).toEqual([]);
    expect(hours.open).toBeLessThanOrEqual(2 * METERS);
    expect(hours.equal).toBeGreaterThan(0);

    const deadLettered = await countMessages(platform.kafka, [
      platform.names.deadLetter('sensorReadings'),
      platform.names.deadLetter('readingAggregates'),
    ]);
    expect(deadLettered).toBe(0);
    const fileSeconds = Math.round((performance.now() - started) / 1000);
    await writeScenarioResult({
      scenario: 'r11',
      title: 'A rebuild while producers run under a shifted clock',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: 0,
      lost: check.missing.length,
      duplicated: check.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: REPRODUCE,
      notes: [
        `${superseded} acknowledged readings replaced by later ones of the same meter-hour (the simulators' event times overlap): ${expected.size} meter-hours served`,
        `g1 frozen at the switch with ${frozen} of ${ledger.acknowledged.size} readings; ${replacedInG2.length} of its readings replaced in g2 by later corrections`,
        `producers at +2d and -3d (${COUNT} readings each), windows processor at -5h, rebuild at +7d; rebuild took ${rebuildMs} ms; the simulators ended ${aheadMs} ms (+2d) and ${behindMs} ms (-3d) after it`,
        `event times from ${span[0]?.first.toISOString()} to ${span[0]?.last.toISOString()}`,
        `file took ${fileSeconds} s`,
      ],
    });
  });
});

async function countRows(platform: FaultPlatform, table: string): Promise<number> {
  const { rows } = await platform.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Where the expected readings missing from the served generation are: how many the retired one
 * holds, the log positions they span per partition, and both generations' stored offsets.
 */
async function whereMissing(
  platform: FaultPlatform,
  expected: ReadonlyMap<string, LoggedReading>,
  logged: readonly LoggedReading[],
): Promise<string> {
  const schema = platform.config.postgres.schema;
  const { missing } = await checkServed(platform, expected);
  const absent = new Set(missing);
  const { rows } = await platform.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${generationSchema(schema, 'readings', 1)}.readings WHERE event_id = ANY($1::uuid[])`,
    [missing],
  );
  const spans = new Map<number, { from: bigint; to: bigint; n: number }>();
  for (const r of logged) {
    if (!absent.has(r.eventId)) continue;
    const s = spans.get(r.partition);
    spans.set(
      r.partition,
      s === undefined
        ? { from: r.offset, to: r.offset, n: 1 }
        : { from: r.offset < s.from ? r.offset : s.from, to: r.offset > s.to ? r.offset : s.to, n: s.n + 1 },
    );
  }
  const { rows: offsets } = await platform.pool.query<{
    generation: number;
    partition: number;
    next: string;
  }>(
    `SELECT generation, partition, next_offset AS next FROM "${schema}".projection_offsets
      WHERE projection = 'readings' ORDER BY partition, generation`,
  );
  return [
    `${missing.length} missing, ${rows[0]?.n} of them in g1`,
    `missing per partition: ${[...spans].map(([p, s]) => `p${p} ${s.n} in [${s.from}, ${s.to}]`).join('; ')}`,
    `stored offsets: ${offsets.map((o) => `g${o.generation} p${o.partition} ${o.next}`).join('; ')}`,
  ].join('\n');
}

/**
 * `rollups_1h` against `readings_1h` on the meter-hours the log holds one reading of: those that
 * differ in sum or count, those equal, and those without a rollup (windows still open).
 */
async function compareHours(
  platform: FaultPlatform,
  logged: readonly LoggedReading[],
): Promise<{ wrong: string[]; equal: number; open: number }> {
  const perKey = new Map<string, number>();
  for (const r of logged) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
  // Hourly readings: one reading's meter-hour is its key.
  const single = new Set([...perKey].filter(([, n]) => n === 1).map(([k]) => k));
  type Hour = { meter_id: string; window_start: Date; sum: number; count: string | number };
  const read = async (view: string, where = '') =>
    new Map(
      (
        await platform.pool.query<Hour>(`SELECT meter_id, window_start, sum, count FROM ${view} ${where}`)
      ).rows.map((r) => [`${r.meter_id}@${r.window_start.toISOString()}`, r]),
    );
  const readings = await read('readings_1h');
  const rollups = await read('rollups_1h', "WHERE meter_id <> ''");
  const wrong: string[] = [];
  let equal = 0;
  let open = 0;
  for (const [key, r] of readings) {
    if (!single.has(key)) continue;
    const u = rollups.get(key);
    if (u === undefined) open += 1;
    else if (
      Math.abs(u.sum - r.sum) > 1e-6 * Math.max(1, Math.abs(r.sum)) ||
      Number(u.count) !== Number(r.count)
    )
      wrong.push(`${key}: rollup ${u.sum}/${u.count}, readings ${r.sum}/${r.count}`);
    else equal += 1;
  }
  // A rollup hour with no reading at all would be a window made up.
  for (const key of rollups.keys()) if (!readings.has(key)) wrong.push(`${key}: rollup without readings`);
  return { wrong: wrong.slice(0, 10), equal, open };
}
