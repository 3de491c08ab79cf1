import { randomUUID } from 'node:crypto';
import { AssignerProtocol } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { controlSafetyProcessor, runProcessor } from '../../processors/index.ts';
import type {
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  ControlPointRegistered,
  TopicKey,
  TopicValue,
} from '../../schemas/index.ts';
import { DEAD_LETTER_HEADERS } from '../../stream-runtime/index.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const at = (minutes: number): Date => new Date(T0 + minutes * MINUTE);

function point(
  pointId: string,
  minutes: number,
  over: Partial<ControlPointRegistered> = {},
): ControlPointRegistered {
  return {
    eventId: randomUUID(),
    occurredAt: at(minutes),
    source: 'test',
    pointId,
    buildingId: 'b1',
    pointKind: 'zone_air_temperature_setpoint',
    unit: 'degC',
    minValue: 18,
    maxValue: 26,
    maxChangePerMinute: null,
    brickClass: null,
    ...over,
  };
}

function command(
  commandId: string,
  pointId: string,
  minutes: number,
  over: Partial<ControlCommandRequested> = {},
): ControlCommandRequested {
  return {
    eventId: randomUUID(),
    occurredAt: at(minutes),
    source: 'test',
    commandId,
    buildingId: 'b1',
    pointId,
    value: 22,
    unit: 'degC',
    priority: 12,
    expiresAt: at(minutes + 120),
    requestedBy: 'agent:a',
    reason: null,
    ...over,
  };
}

const light = { unit: 'percent', value: 40 } as const;

describe('control-safety processor on the real broker: commands, outcomes and a point table merged', () => {
  let platform: TestPlatform;
  const children: EaioProcess[] = [];
  const stops: (() => Promise<void>)[] = [];
  const deps = () => ({ ...platform, sessionTimeoutMs: 6_000 });

  async function send<K extends TopicKey>(topic: K, key: string, value: TopicValue<K>): Promise<void> {
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic(topic),
      messages: [{ key, value: await platform.codec.encode(topic, value) }],
    });
  }
  const sendCommand = (c: ControlCommandRequested) =>
    send('controlCommands', `${c.buildingId}/${c.pointId}`, c);

  async function decisions(): Promise<ControlDecision[]> {
    const messages = await readTopicToEnd(platform.kafka, platform.names.topic('controlDecisions'));
    return Promise.all(
      messages.map(async (m) => (await platform.codec.decode('controlDecisions', m.message.value)).value),
    );
  }

  async function waitForDecisions(count: number): Promise<ControlDecision[]> {
    return waitFor(
      `${count} control decisions`,
      async () => {
        const found = await decisions();
        if (found.length > count) throw new Error(`more than ${count} decisions: ${found.length}`);
        return found.length === count ? found : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
  }

  const byCommand = (list: readonly ControlDecision[]) => {
    const map = new Map<string, ControlDecision[]>();
    for (const d of list) map.set(d.commandId, [...(map.get(d.commandId) ?? []), d]);
    return map;
  };

  beforeAll(async () => {
    platform = await createTestPlatform('control_safety');
  });

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    await Promise.all(children.map((c) => c.kill()));
    await platform?.dispose();
  });

  // Backlog first: the outcome that frees c-hold's slot is produced after c-after, so only a merge by
  // event time (not fetch order) lets c-after see it, live and in the replay alike.
  const backlog: ControlCommandRequested[] = [
    command('c-ok', 'p-temp', 1),
    command('c-above', 'p-temp', 2, { value: 30 }),
    command('c-unknown', 'p-ghost', 3),
    command('c-badprio', 'p-light', 4, { ...light, priority: 3 }),
    command('c-noexpiry', 'p-light', 5, { ...light, expiresAt: at(5 + 48 * 60) }),
    command('c-hold', 'p-light', 6, light),
    command('c-blocked', 'p-light', 7, { ...light, value: 45, requestedBy: 'agent:b' }),
    command('c-after', 'p-light', 9, { ...light, value: 45, requestedBy: 'agent:b' }),
    command('c-broken', 'p-broken', 10),
  ];
  const late = command('c-new', 'p-new', 21);
  let first: ControlDecision[] = [];

  it('decides every command once, with readable reasons; poison is dead-lettered and processing goes on', async () => {
    await send('controlPoints', 'p-temp', point('p-temp', -60));
    await send(
      'controlPoints',
      'p-light',
      point('p-light', -60, { pointKind: 'lighting_level', unit: 'percent', minValue: 0, maxValue: 100 }),
    );
    // Limits that cannot be checked: refused (table dead letter), so the point stays unknown.
    await send('controlPoints', 'p-broken', point('p-broken', -60, { minValue: 30, maxValue: 10 }));
    for (const c of backlog.slice(0, 7)) await sendCommand(c);
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic('controlCommands'),
      messages: [{ key: 'b1/p-light', value: Buffer.from('not an avro frame') }],
    });
    for (const c of backlog.slice(7)) await sendCommand(c);
    const relinquished: ControlOutcome = {
      eventId: randomUUID(),
      occurredAt: at(8),
      source: 'test',
      commandId: 'c-hold',
      buildingId: 'b1',
      pointId: 'p-light',
      outcome: 'relinquished',
      deviceMessage: null,
    };
    await send('controlOutcomes', 'b1/p-light', relinquished);

    const running = await runProcessor(deps(), { ...controlSafetyProcessor, name: 'control-safety-first' });
    stops.push(() => running.stop());
    await waitForDecisions(backlog.length);

    // A point registered while the processor runs is seen by a later command.
    await send('controlPoints', 'p-new', point('p-new', 20));
    await sendCommand(late);
    first = await waitForDecisions(backlog.length + 1);
    await running.stop();
    stops.pop();

    const grouped = byCommand(first);
    expect([...grouped.keys()].sort()).toEqual([...backlog, late].map((c) => c.commandId).sort());
    for (const list of grouped.values()) expect(list).toHaveLength(1);
    const decision = (id: string) => grouped.get(id)?.[0] as ControlDecision;
    const codes = (id: string) => (decision(id).reasons ?? []).map((r) => r.code);

    for (const id of ['c-ok', 'c-hold', 'c-after', 'c-new']) {
      expect(decision(id).decision, id).toBe('accepted');
      expect(codes(id), id).toEqual([]);
    }
    expect(decision('c-above').decision).toBe('rejected');
    expect(codes('c-above')).toEqual(['above_max']);
    expect(decision('c-above').reasons?.[0]?.message).toContain('above the maximum 26 degC for point p-temp');
    expect(codes('c-unknown')).toEqual(['unknown_point']);
    expect(decision('c-unknown').reasons?.[0]?.message).toContain(
      'p-ghost is not a registered control point',
    );
    expect(codes('c-broken')).toEqual(['unknown_point']);
    expect(codes('c-badprio')).toEqual(['priority_conflict']);
    expect(decision('c-badprio').reasons?.[0]?.message).toMatch(/Priority 3 is reserved/);
    expect(codes('c-noexpiry')).toEqual(['expiry_missing']);
    expect(codes('c-blocked')).toEqual(['priority_conflict']);
    expect(decision('c-blocked').reasons?.[0]?.message).toContain('held at priority 12 by agent:a');
    expect(decision('c-ok').buildingId).toBe('b1');

    const commandLetters = await readTopicToEnd(platform.kafka, platform.names.deadLetter('controlCommands'));
    expect(commandLetters).toHaveLength(1);
    const letter = commandLetters[0]?.message;
    expect(letter?.value?.toString()).toBe('not an avro frame');
    expect(letter?.headers?.[DEAD_LETTER_HEADERS.stage]?.toString()).toBe('decode');
    expect(letter?.headers?.[DEAD_LETTER_HEADERS.sourceTopic]?.toString()).toBe(
      platform.names.topic('controlCommands'),
    );
    const pointLetters = await readTopicToEnd(platform.kafka, platform.names.deadLetter('controlPoints'));
    expect(pointLetters).toHaveLength(1);
    expect(pointLetters[0]?.message.headers?.[DEAD_LETTER_HEADERS.stage]?.toString()).toBe('validate');
    expect(pointLetters[0]?.message.headers?.[DEAD_LETTER_HEADERS.errorMessage]?.toString()).toContain(
      'limits [30, 10]',
    );
  });

  it('a second run from scratch (`eaio process control-safety`, a new group) yields identical decisions', async () => {
    expect(first.length).toBe(backlog.length + 1);
    const replay = spawnEaio(['process', controlSafetyProcessor.name], platform.childEnv);
    children.push(replay);
    const all = await waitForDecisions(2 * first.length).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${replay.stderr()}`);
    });
    const firstIds = new Set(first.map((d) => d.eventId));
    const again = all.filter((d) => firstIds.has(d.eventId));
    expect(again).toHaveLength(all.length);
    const fingerprint = (list: readonly ControlDecision[]) =>
      [...byCommand(list)].map(([id, ds]) => [id, ds.map((d) => JSON.stringify(d))] as const).sort();
    const doubled = [...byCommand(first)]
      .map(([id, ds]) => [id, [...ds, ...ds].map((d) => JSON.stringify(d))] as const)
      .sort();
    expect(fingerprint(all)).toEqual(doubled);
    // The table letter was not written again by the second group.
    expect(await readTopicToEnd(platform.kafka, platform.names.deadLetter('controlPoints'))).toHaveLength(1);
    await replay.kill();
  });

  it('a restarted instance rebuilds the state from the committed log: a held slot still holds', async () => {
    const before = await decisions();
    const restarted = await runProcessor(deps(), { ...controlSafetyProcessor, name: 'control-safety-first' });
    stops.push(() => restarted.stop());
    // c-after (agent:b, priority 12, until minute 129) was accepted before the restart.
    await sendCommand(command('c-conflict', 'p-light', 30, { ...light, requestedBy: 'agent:c' }));
    const after = await waitForDecisions(before.length + 1);
    const added = after.filter((d) => d.commandId === 'c-conflict');
    expect(added).toHaveLength(1);
    expect(added[0]?.decision).toBe('rejected');
    expect(added[0]?.reasons?.map((r) => r.message).join(' ')).toContain(
      'held at priority 12 by agent:b until 2026-11-20T12:09:00.000Z (command c-after)',
    );
    await restarted.stop();
    stops.pop();
  });

  it('two instances share the partition numbers: each holds the same numbers of both inputs, decisions once', async () => {
    const before = await decisions();
    const commandIds = [...new Set(before.map((d) => d.commandId))];
    const pair = { ...controlSafetyProcessor, name: 'control-safety-pair' };
    const one = await runProcessor(deps(), pair);
    stops.push(() => one.stop());
    const two = await runProcessor(deps(), pair);
    stops.push(() => two.stop());
    const after = await waitForDecisions(before.length + commandIds.length);
    const count = (list: readonly ControlDecision[]) => {
      const m = new Map<string, number>();
      for (const d of list) m.set(JSON.stringify(d), (m.get(JSON.stringify(d)) ?? 0) + 1);
      return m;
    };
    const added = count(after);
    for (const [fingerprint, n] of count(before)) added.set(fingerprint, (added.get(fingerprint) ?? 0) - n);
    // Every command decided once more, identically to its earlier decision.
    expect([...added.values()].filter((n) => n !== 0)).toEqual(commandIds.map(() => 1));
    expect(
      [...added.keys()]
        .filter((k) => added.get(k) === 1)
        .map((k) => JSON.parse(k).commandId)
        .sort(),
    ).toEqual([...commandIds].sort());

    const admin = platform.kafka.admin();
    await admin.connect();
    try {
      const commandsTopic = platform.names.topic('controlCommands');
      const outcomesTopic = platform.names.topic('controlOutcomes');
      const members = await waitFor('two members with assignments', async () => {
        const [group] = (await admin.describeGroups([one.groupId])).groups;
        const decoded = (group?.members ?? []).map(
          (m) => AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {},
        );
        return decoded.length === 2 && decoded.every((a) => (a[commandsTopic]?.length ?? 0) > 0)
          ? decoded
          : undefined;
      });
      for (const assignment of members) {
        expect(assignment[outcomesTopic]).toEqual(assignment[commandsTopic]);
      }
      expect(members.flatMap((a) => a[commandsTopic] ?? []).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await admin.disconnect();
    }
  });
});
