import { describe, expect, it } from 'vitest';
import { actorOf, proposalOf } from '../../app/commands/index.ts';

const flags = { building: 'B1', point: 'p1', value: '21', unit: 'degC', duration: '30' };

describe('eaio command propose flags', () => {
  it('become the same arguments as the MCP tool takes, numbers parsed, priority left to the default of the principal', () => {
    expect(proposalOf(flags)).toEqual({
      buildingId: 'B1',
      pointId: 'p1',
      value: 21,
      unit: 'degC',
      durationMinutes: 30,
    });
    expect(
      proposalOf({ ...flags, days: '1,2,3', start: '08:00', end: '18:00', heartbeat: '60', priority: '10' }),
    ).toMatchObject({
      priority: 10,
      heartbeatSeconds: 60,
      schedule: { daysOfWeek: [1, 2, 3], start: '08:00', end: '18:00' },
    });
  });

  it.each([
    [{ ...flags, value: 'warm' }, /value/],
    [{ ...flags, unit: 'F' }, /unit/],
    [{ ...flags, priority: '0' }, /priority/],
    [{ ...flags, days: '1,9', start: '08:00', end: '18:00' }, /schedule\.daysOfWeek/],
    [{ ...flags, days: '1', start: '08:00' }, /schedule\.end/],
  ])('refuse %j naming the flag', (bad, message) => {
    expect(() => proposalOf(bad)).toThrow(message);
  });

  it('name the actor by --as, else the login', () => {
    expect(actorOf('user:alice')).toBe('user:alice');
    expect(actorOf(undefined)).toMatch(/^user:.+/);
  });
});
