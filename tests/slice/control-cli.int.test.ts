import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ControlCommandDeps,
  commandAct,
  commandPropose,
  commandStatus,
  controlCommandDepsOf,
} from '../../app/commands/index.ts';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { ControlActionRefusedError } from '../../processors/index.ts';
import { type AnyProjection, projectionNamed } from '../../projections/index.ts';
import type {
  ControlCommandAction,
  ControlCommandRequested,
  ControlDecision,
  ControlPointRegistered,
} from '../../schemas/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BUILDING = 'Office_Cli';
const POINT = 'Office_Cli:zone-1:sp';

describe('eaio command: propose, approve by a second principal, status, over real Kafka and Postgres', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let deps: ControlCommandDeps;
  const lines: string[] = [];
  const say = (line: string) => lines.push(line);

  const decoded = async <T>(key: 'controlCommands' | 'controlActions'): Promise<T[]> =>
    Promise.all(
      (await readTopicToEnd(platform.kafka, platform.names.topic(key))).map(
        async (m) => (await platform.codec.decode(key, m.message.value)).value as T,
      ),
    );

  beforeAll(async () => {
    platform = await createTestPlatform('control_cli');
    const point: ControlPointRegistered = {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      pointId: POINT,
      buildingId: BUILDING,
      pointKind: 'heating_setpoint',
      unit: 'degC',
      minValue: 15,
      maxValue: 24,
      requiresApproval: true,
    };
    await (await platform.producer()).send({
      topic: platform.names.topic('controlPoints'),
      acks: -1,
      messages: [{ key: POINT, value: await platform.codec.encode('controlPoints', point) }],
    });
    projector = await runProjector(platform, {
      projections: [projectionNamed('control-commands') as AnyProjection],
    });
    deps = controlCommandDepsOf(platform);
  }, 240_000);

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  it('proposes as --as, refuses the proposer’s own approval, sends a second principal’s, and shows the timeline', async () => {
    let printed = '';
    const commandId = await commandPropose(
      deps,
      {
        building: BUILDING,
        point: POINT,
        value: '20',
        unit: 'degC',
        duration: '45',
        reason: 'morning warm-up',
        as: 'user:alice',
      },
      (t) => {
        printed += t;
      },
      say,
    );
    expect(printed.trim()).toBe(commandId);
    const [request] = await decoded<ControlCommandRequested>('controlCommands');
    expect(request).toMatchObject({
      commandId,
      requestedBy: 'user:alice',
      source: 'eaio-cli',
      value: 20,
      priority: 8,
    });

    const decision: ControlDecision = {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'control-safety',
      commandId,
      buildingId: BUILDING,
      pointId: POINT,
      decision: 'accepted',
      reasons: [],
    };
    await (await platform.producer()).send({
      topic: platform.names.topic('controlDecisions'),
      acks: -1,
      messages: [
        { key: `${BUILDING}/${POINT}`, value: await platform.codec.encode('controlDecisions', decision) },
      ],
    });
    await waitFor('awaiting approval', async () =>
      (await deps.commandStatus(commandId))?.status === 'awaiting_approval' ? true : undefined,
    );

    const self = await commandAct(deps, 'approve', commandId, { as: 'user:alice' }, say).catch(
      (e: unknown) => e,
    );
    expect(self).toBeInstanceOf(ControlActionRefusedError);
    expect((self as ControlActionRefusedError).refusal).toBe('self_approval');
    await expect(commandAct(deps, 'refuse', commandId, { as: 'user:bob' }, say)).rejects.toThrow(
      /needs --reason/,
    );
    expect(await decoded('controlActions')).toEqual([]);

    await commandAct(deps, 'approve', commandId, { as: 'user:bob', reason: 'ok' }, say);
    expect(await decoded<ControlCommandAction>('controlActions')).toEqual([
      expect.objectContaining({ commandId, action: 'approve', actor: 'user:bob', source: 'eaio-cli' }),
    ]);
    await waitFor('approved', async () =>
      (await deps.commandStatus(commandId))?.status === 'approved' ? true : undefined,
    );
    let shown = '';
    await commandStatus(deps, commandId, false, (t) => {
      shown += t;
    });
    expect(shown).toContain(`${BUILDING}/${POINT}  approved`);
    expect(shown).toMatch(/requested\s+by user:alice/);
    expect(shown).toMatch(/approved\s+by user:bob/);
    expect(shown).toContain('"morning warm-up"');
  });
});
