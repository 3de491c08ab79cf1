import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REDRIVE_ACTION } from '../../processors/dead-letter-tools/index.ts';
import { anomaliesProjection } from '../../projections/anomalies/index.ts';
import {
  type ControlCommandsChanges,
  controlCommandsProjection,
  mergeControlCommandsChanges,
} from '../../projections/control-commands/index.ts';
import { dataQualityIssuesProjection } from '../../projections/data-quality-issues/index.ts';
import { deadLettersProjection } from '../../projections/dead-letters/index.ts';
import { metersProjection } from '../../projections/meters/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { weatherProjection } from '../../projections/weather/index.ts';
import type {
  AnomalyDetected,
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  DataQualityIssue,
  MeterRegistered,
} from '../../schemas/index.ts';
import { cutInto, foldBatch } from '../support/fold-batches.ts';

const T0 = Date.UTC(2016, 6, 4, 8);
const MIN = 60_000;
const at = (minutes: number): Date => new Date(T0 + minutes * MIN);

interface Definition<S, E> {
  initial(): S;
  evolve(state: S, event: E): S;
  ddl(context: { timescale: boolean }): string;
  apply(client: pg.ClientBase, changes: S): Promise<void>;
}

const DEFINITIONS = [
  metersProjection,
  anomaliesProjection,
  dataQualityIssuesProjection,
  controlCommandsProjection,
  weatherProjection,
  deadLettersProjection,
] as const;

describe('read models beyond readings, on PostgreSQL', () => {
  const schema = `test_read_models_${randomBytes(3).toString('hex')}`;
  let pool: pg.Pool;

  async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL search_path TO ${schema}, public`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  /** One batch as the engine runs it: evolve from `initial()`, then `apply` in a transaction. */
  const applyBatch = <S, E>(definition: Definition<S, E>, events: readonly E[]): Promise<void> =>
    inTransaction((c) => definition.apply(c, foldBatch(definition, events)));

  const rows = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> =>
    inTransaction(async (c) => (await c.query<R>(sql, params)).rows);

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('endpoints').postgresUrl, max: 3 });
    await pool.query(`CREATE SCHEMA ${schema}`);
    // Each test can run alone (-t); the DDL test below runs every DDL again, twice.
    for (const d of DEFINITIONS) await inTransaction((c) => c.query(d.ddl({ timescale: false })));
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('runs every DDL twice without error (idempotent)', async () => {
    const definitions = DEFINITIONS;
    for (let round = 0; round < 2; round++) {
      for (const d of definitions) await inTransaction((c) => c.query(d.ddl({ timescale: false })));
    }
    const views = definitions.flatMap((d) => d.readerViews);
    const found = await rows<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = ANY($2::text[])`,
      [schema, views],
    );
    expect(found.map((r) => r.name).sort()).toEqual([...views].sort());
  });

  it('meters and control points: the latest registration by log position wins, redelivery changes nothing', async () => {
    const meter = (offset: number, unit: MeterRegistered['unit']): ProjectionEvent<'meters'> => ({
      topic: 'meters',
      partition: 1,
      offset: String(offset),
      event: {
        eventId: randomUUID(),
        occurredAt: at(offset),
        source: 'bdg1-importer',
        meterId: 'Office_Ellie:electricity',
        buildingId: 'Office_Ellie',
        meterKind: 'electricity',
        unit,
        brickClass: 'Electrical_Energy_Sensor',
      },
    });
    const point: ProjectionEvent<'controlPoints'> = {
      topic: 'controlPoints',
      partition: 0,
      offset: '7',
      event: {
        eventId: randomUUID(),
        occurredAt: at(0),
        source: 'bacnet-gw:site-3',
        pointId: 'Office_Ellie:zone-1:sp',
        buildingId: 'Office_Ellie',
        pointKind: 'zone_air_temperature_setpoint',
        unit: 'degC',
        minValue: 16,
        maxValue: 28,
        maxChangePerMinute: 0.5,
        brickClass: 'Zone_Air_Temperature_Setpoint',
      },
    };
    const [first, second, third] = [meter(10, 'kWh'), meter(11, 'MJ'), meter(12, 'kBTU')];
    await applyBatch(metersProjection, [first, second, point]);
    await applyBatch(metersProjection, [third]);
    await applyBatch(metersProjection, [first, second, point]); // redelivered older batch
    const meters = await rows('SELECT meter_id, unit, source_offset, event_id FROM meters');
    expect(meters).toEqual([
      {
        meter_id: 'Office_Ellie:electricity',
        unit: 'kBTU',
        source_offset: '12',
        event_id: third.event.eventId,
      },
    ]);
    const points = await rows(
      'SELECT point_id, min_value, max_value, max_change_per_minute FROM control_points',
    );
    expect(points).toEqual([
      { point_id: 'Office_Ellie:zone-1:sp', min_value: 16, max_value: 28, max_change_per_minute: 0.5 },
    ]);
  });

  it('anomalies and data-quality issues: one row per event id, values as detected, newest first per building', async () => {
    const anomaly = (minutes: number, score: number): AnomalyDetected => ({
      eventId: randomUUID(),
      occurredAt: at(minutes),
      source: 'anomaly-detector',
      buildingId: 'Office_Ellie',
      meterId: 'Office_Ellie:electricity',
      meterKind: 'electricity',
      unit: 'kWh',
      readingAt: at(minutes - 60),
      observedValue: 412.5,
      expectedLow: 120,
      expectedHigh: 180,
      score,
      method: 'median-mad-hour-of-week',
      baselineSamples: 28,
    });
    const anomalies = [anomaly(0, 7.5), anomaly(60, 12.25), anomaly(120, 4)].map(
      (event, i): ProjectionEvent<'anomalies'> => ({
        topic: 'anomalies',
        partition: 2,
        offset: String(i),
        event,
      }),
    );
    await applyBatch(anomaliesProjection, anomalies.slice(0, 2));
    await applyBatch(anomaliesProjection, anomalies); // redelivered, overlapping
    const stored = await rows<{ score: number; expected_low: number; reading_at: Date }>(
      `SELECT score, expected_low, reading_at FROM anomalies WHERE building_id = $1 ORDER BY occurred_at DESC`,
      ['Office_Ellie'],
    );
    expect(stored.map((r) => r.score)).toEqual([4, 12.25, 7.5]);
    expect(stored[0]?.reading_at).toEqual(at(60));

    const issue = (minutes: number, kind: DataQualityIssue['issueKind']): DataQualityIssue => ({
      eventId: randomUUID(),
      occurredAt: at(minutes),
      source: 'readings-validation',
      buildingId: 'Office_Ellie',
      meterId: 'Office_Ellie:electricity',
      issueKind: kind,
      readingAt: kind === 'gap' ? null : at(minutes),
      evidence:
        kind === 'gap'
          ? { gapFrom: at(0).toISOString(), gapTo: at(minutes).toISOString() }
          : { value: '-42' },
      severity: kind === 'gap' ? 'warning' : 'error',
    });
    const issues = [issue(30, 'out_of_range'), issue(300, 'gap')].map(
      (event, i): ProjectionEvent<'dataQualityIssues'> => ({
        topic: 'dataQualityIssues',
        partition: 0,
        offset: String(i),
        event,
      }),
    );
    await applyBatch(dataQualityIssuesProjection, issues);
    await applyBatch(dataQualityIssuesProjection, issues);
    const found = await rows<{
      issue_kind: string;
      severity: string;
      reading_at: Date | null;
      evidence: unknown;
    }>(
      `SELECT issue_kind, severity, reading_at, evidence FROM data_quality_issues
        WHERE meter_id = $1 ORDER BY occurred_at DESC`,
      ['Office_Ellie:electricity'],
    );
    expect(found).toEqual([
      {
        issue_kind: 'gap',
        severity: 'warning',
        reading_at: null,
        evidence: { gapFrom: at(0).toISOString(), gapTo: at(300).toISOString() },
      },
      { issue_kind: 'out_of_range', severity: 'error', reading_at: at(30), evidence: { value: '-42' } },
    ]);
  });

  describe('control commands', () => {
    type ControlEvent = ProjectionEvent<
      'controlCommands' | 'controlDecisions' | 'controlActions' | 'controlOutcomes'
    >;
    const request = (commandId: string, minutes: number, offset: number): ControlEvent => {
      const event: ControlCommandRequested = {
        eventId: randomUUID(),
        occurredAt: at(minutes),
        source: 'mcp-adapter',
        commandId,
        buildingId: 'Office_Ellie',
        pointId: 'Office_Ellie:zone-1:sp',
        value: 23.5,
        unit: 'degC',
        priority: 12,
        expiresAt: at(minutes + 120),
        requestedBy: 'agent:energy-optimizer',
        reason: 'pre-cool before the afternoon peak',
      };
      return { topic: 'controlCommands', partition: 3, offset: String(offset), event };
    };
    const decision = (
      commandId: string,
      minutes: number,
      offset: number,
      verdict: ControlDecision['decision'],
    ): ControlEvent => ({
      topic: 'controlDecisions',
      partition: 3,
      offset: String(offset),
      event: {
        eventId: randomUUID(),
        occurredAt: at(minutes),
        source: 'control-guard',
        commandId,
        buildingId: 'Office_Ellie',
        pointId: 'Office_Ellie:zone-1:sp',
        decision: verdict,
        reasons:
          verdict === 'rejected'
            ? [{ code: 'slew_limit', message: 'change of 4 degC exceeds 0.5 degC/min' }]
            : [],
      },
    });
    const outcome = (
      commandId: string,
      minutes: number,
      offset: number,
      result: ControlOutcome['outcome'],
    ): ControlEvent => ({
      topic: 'controlOutcomes',
      partition: 3,
      offset: String(offset),
      event: {
        eventId: randomUUID(),
        occurredAt: at(minutes),
        source: 'bacnet-gw:site-3',
        commandId,
        buildingId: 'Office_Ellie',
        pointId: 'Office_Ellie:zone-1:sp',
        outcome: result,
        deviceMessage: result === 'failed' ? 'BACnet error: property/write-access-denied' : null,
      },
    });

    const action = (
      commandId: string,
      minutes: number,
      offset: number,
      kind: 'approve' | 'refuse' | 'cancel' | 'heartbeat',
    ): ControlEvent => ({
      topic: 'controlActions',
      partition: 3,
      offset: String(offset),
      event: {
        eventId: randomUUID(),
        occurredAt: at(minutes),
        source: 'mcp-adapter',
        commandId,
        buildingId: 'Office_Ellie',
        pointId: 'Office_Ellie:zone-1:sp',
        action: kind,
        actor: `user:approver-${offset % 2}`,
        reason: null,
      },
    });
    const withCause = (e: ControlEvent, cause: 'expiry' | 'schedule_window_end'): ControlEvent =>
      e.topic === 'controlOutcomes'
        ? { ...e, event: { ...e.event, cause, readBack: 20.5, value: 23.5, priority: 12 } }
        : e;

    it('current status never moves backwards; history has one row per status event', async () => {
      const a = [
        request('cmd-a', 0, 0),
        decision('cmd-a', 1, 0, 'accepted'),
        outcome('cmd-a', 2, 0, 'acknowledged'),
      ];
      const relinquished = outcome('cmd-a', 122, 1, 'relinquished');
      const b = [request('cmd-b', 5, 1), decision('cmd-b', 5, 1, 'rejected')];
      // The outcome topic is ahead: cmd-a is relinquished before its request and decision are folded.
      await applyBatch(controlCommandsProjection, [relinquished]);
      await applyBatch(controlCommandsProjection, [...a, ...b]);
      await applyBatch(controlCommandsProjection, [...a, relinquished]); // redelivered
      const commands = await rows(
        `SELECT command_id, status, status_at, requested_by, value, priority, expires_at, decision, decision_reasons,
                outcome, device_message FROM control_commands ORDER BY command_id`,
      );
      expect(commands).toEqual([
        {
          command_id: 'cmd-a',
          status: 'relinquished',
          status_at: at(122),
          requested_by: 'agent:energy-optimizer',
          value: 23.5,
          priority: 12,
          expires_at: at(120),
          decision: 'accepted',
          decision_reasons: [],
          outcome: 'relinquished',
          device_message: null,
        },
        {
          command_id: 'cmd-b',
          status: 'rejected',
          status_at: at(5),
          requested_by: 'agent:energy-optimizer',
          value: 23.5,
          priority: 12,
          expires_at: at(125),
          decision: 'rejected',
          decision_reasons: [{ code: 'slew_limit', message: 'change of 4 degC exceeds 0.5 degC/min' }],
          outcome: null,
          device_message: null,
        },
      ]);
      const history = await rows<{ command_id: string; status: string }>(
        `SELECT command_id, status FROM control_command_status_history ORDER BY command_id, occurred_at`,
      );
      expect(history.map((h) => `${h.command_id}:${h.status}`)).toEqual([
        'cmd-a:requested',
        'cmd-a:accepted',
        'cmd-a:acknowledged',
        'cmd-a:relinquished',
        'cmd-b:requested',
        'cmd-b:rejected',
      ]);
    });

    it('the SQL upsert stores what the pure merge says, for random events in random batch cuts', async () => {
      const verdicts = ['accepted', 'rejected'] as const;
      const outcomes = ['acknowledged', 'failed', 'relinquished', 'expired'] as const;
      const actions = ['approve', 'refuse', 'cancel', 'heartbeat'] as const;
      const eventsArb = fc
        .array(fc.record({ cmd: fc.nat(2), type: fc.nat(3), pick: fc.nat(3), minute: fc.nat(4) }), {
          minLength: 1,
          maxLength: 25,
        })
        .map((specs) =>
          specs.map((s, i) =>
            s.type === 0
              ? request(`p-${s.cmd}`, s.minute, i)
              : s.type === 1
                ? decision(`p-${s.cmd}`, s.minute, i, verdicts[s.pick % 2] ?? 'accepted')
                : s.type === 2
                  ? action(`p-${s.cmd}`, s.minute, i, actions[s.pick] ?? 'approve')
                  : withCause(
                      outcome(`p-${s.cmd}`, s.minute, i, outcomes[s.pick] ?? 'failed'),
                      // A relinquish at a window's end ranks with the writes: the command cycles.
                      s.minute % 2 === 0 ? 'schedule_window_end' : 'expiry',
                    ),
          ),
        );
      const snapshot = () =>
        rows(
          `SELECT command_id, status, status_at, status_event_id::text, request_event_id::text, decision_event_id::text,
                  approval_event_id::text, approved_by, outcome_event_id::text, outcome, outcome_cause, read_back
             FROM control_commands WHERE command_id LIKE 'p-%' ORDER BY command_id`,
        );
      const expected = (c: ControlCommandsChanges) =>
        [...c.commands.values()]
          .sort((x, y) => (x.commandId < y.commandId ? -1 : 1))
          .map((r) => ({
            command_id: r.commandId,
            status: r.status.status,
            status_at: r.status.at,
            status_event_id: r.status.eventId,
            request_event_id: r.request?.eventId ?? null,
            decision_event_id: r.decision?.eventId ?? null,
            approval_event_id: r.approval?.eventId ?? null,
            approved_by: r.approval?.actor ?? null,
            outcome_event_id: r.outcome?.eventId ?? null,
            outcome: r.outcome?.outcome ?? null,
            outcome_cause: r.outcome?.cause ?? null,
            read_back: r.outcome?.readBack ?? null,
          }));
      await fc.assert(
        fc.asyncProperty(eventsArb, fc.array(fc.nat(25), { maxLength: 5 }), async (events, cuts) => {
          await inTransaction((c) => c.query(`DELETE FROM control_commands WHERE command_id LIKE 'p-%'`));
          const parts = cutInto(events, cuts).map((b) => foldBatch(controlCommandsProjection, b));
          // Applied backwards: as if the topics were consumed in another order than they were written.
          for (const part of [...parts].reverse()) {
            await inTransaction((c) => controlCommandsProjection.apply(c, part));
          }
          const model = parts.reduce(mergeControlCommandsChanges, controlCommandsProjection.initial());
          expect(await snapshot()).toEqual(expected(model));
        }),
        { numRuns: 25 },
      );
    });
  });

  it('weather: one row per station and hour with degree-hours; a re-emitted hour further along the log wins', async () => {
    const hour = (
      h: number,
      temperatureC: number | null,
      offset: number,
    ): ProjectionEvent<'weatherHourly'> => ({
      topic: 'weatherHourly',
      partition: 0,
      offset: String(offset),
      event: {
        eventId: randomUUID(),
        occurredAt: new Date(Date.UTC(2016, 0, 1, h)),
        source: 'eaio.processors.weather',
        stationId: 'KBOS',
        temperatureC,
        dewPointC: -3,
        relativeHumidityPct: 61,
        pressureHpa: 1016.2,
        windSpeedKmh: 14.8,
        windDirectionDeg: 270,
        precipitationMm: 0.4,
        conditions: 'light snow',
      },
    });
    await applyBatch(weatherProjection, [hour(0, 5.5, 0), hour(1, null, 1)]);
    await applyBatch(weatherProjection, [hour(0, 20.3, 2)]);
    await applyBatch(weatherProjection, [hour(0, 5.5, 0)]); // redelivered older event
    const stored = await rows(
      `SELECT hour_start, temperature_c, hdd, cdd, precipitation_mm, conditions FROM weather_hourly ORDER BY hour_start`,
    );
    expect(stored).toEqual([
      {
        hour_start: new Date(Date.UTC(2016, 0, 1, 0)),
        temperature_c: 20.3,
        hdd: 0,
        cdd: expect.closeTo(2, 9),
        precipitation_mm: 0.4,
        conditions: 'light snow',
      },
      {
        hour_start: new Date(Date.UTC(2016, 0, 1, 1)),
        temperature_c: null,
        hdd: null,
        cdd: null,
        precipitation_mm: 0.4,
        conditions: 'light snow',
      },
    ]);
  });

  it('dead letters: indexed once per position, marked re-driven by the audit record even when it comes first', async () => {
    const dlq = 'eaio.sensor-readings.dlq';
    const letter = (offset: number) => ({
      kind: 'letter' as const,
      entry: {
        dlqTopic: dlq,
        partition: 0,
        offset: String(offset),
        errorClass: 'ReadingRejectedError',
        errorCode: 'EVENT_OUT_OF_RANGE',
        errorMessage: 'value -42 kWh is outside [0, 1000000]',
        stage: 'validate',
        sourceTopic: 'eaio.sensor-readings',
        sourcePartition: 4,
        sourceOffset: String(1000 + offset),
        firstFailedAt: at(0).toISOString(),
        lastFailedAt: at(offset).toISOString(),
        attempts: offset + 1,
        consumer: 'projector',
        key: Buffer.from('Office_Ellie:electricity'),
        value: Buffer.from([0, 0, 0, 0, 1, 2, 3]),
        originalHeaders: {},
      },
    });
    const redrive = {
      kind: 'audit' as const,
      record: {
        eventId: randomUUID(),
        occurredAt: at(30),
        source: 'eaio-cli',
        actor: 'user:alice',
        action: REDRIVE_ACTION,
        target: `${dlq}/0/1`,
        outcome: 'success' as const,
        details: {},
      },
    };
    await applyBatch(deadLettersProjection, [redrive]);
    await applyBatch(deadLettersProjection, [letter(0), letter(1)]);
    await applyBatch(deadLettersProjection, [letter(0), letter(1), letter(2)]);
    const index = await rows(
      `SELECT dlq_offset, source_topic, source_partition, source_offset, stage, error_code, attempts, value_bytes,
              redriven, redriven_by
         FROM dead_letter_index ORDER BY dlq_offset`,
    );
    expect(index).toEqual(
      [0, 1, 2].map((o) => ({
        dlq_offset: String(o),
        source_topic: 'eaio.sensor-readings',
        source_partition: 4,
        source_offset: String(1000 + o),
        stage: 'validate',
        error_code: 'EVENT_OUT_OF_RANGE',
        attempts: o + 1,
        value_bytes: 7,
        redriven: o === 1,
        redriven_by: o === 1 ? 'user:alice' : null,
      })),
    );
  });
});
