import { AssignerProtocol } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkedPublisher, hourlyReadings } from '../support/readings.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const CHUNK = 500;

describe('two projector instances share the partitions; killing one moves its work to the other', () => {
  let platform: TestPlatform;
  const running: EaioProcess[] = [];
  const readings = hourlyReadings('Office_Elizabeth', 30, 150);

  const groupMembers = async (): Promise<{ memberId: string; partitions: number }[]> => {
    const admin = platform.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([`${platform.names.prefix}projector`]);
      return (groups[0]?.members ?? []).map((m) => ({
        memberId: m.memberId,
        partitions: Object.values(
          AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {},
        ).flat().length,
      }));
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    platform = await createTestPlatform('scaleout');
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await platform?.dispose();
  });

  it('loses no reading when one of two members is SIGKILLed mid-stream', async () => {
    const deps = await platform.feedDeps();
    const produce = chunkedPublisher(deps, readings, CHUNK);

    await produce(readings.length / 3);
    const a = spawnEaio(['project'], platform.childEnv);
    const b = spawnEaio(['project'], platform.childEnv);
    running.push(a, b);
    const members = await waitFor(
      'both instances in the group, each holding partitions',
      async () => {
        const m = await groupMembers();
        return m.length === 2 && m.every((x) => x.partitions > 0) ? m : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(members).toHaveLength(2);

    const producing = produce(readings.length);
    await waitFor('progress before the kill', async () =>
      (await platform.countReadings()) > readings.length / 4 ? true : undefined,
    );
    await a.kill();
    const atKill = await platform.countReadings();
    await producing;

    await platform.waitForReadings(readings.length, 90_000);
    expect(atKill).toBeLessThan(readings.length);
    const survivors = await groupMembers();
    expect(survivors).toHaveLength(1);
    const stored = await platform.pool.query<{ event_id: string }>('SELECT event_id FROM readings');
    const ids = new Set(stored.rows.map((r) => r.event_id));
    expect(ids.size).toBe(readings.length);
    expect(readings.filter((r) => !ids.has(r.eventId))).toEqual([]);
  });
});
