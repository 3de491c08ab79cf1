import { describe, expect, it } from 'vitest';
import { parseDuration, parseFaultRates, simulationSettingsOf } from '../../app/commands/index.ts';
import { configSchema } from '../../infra/config/index.ts';

describe('eaio simulate arguments', () => {
  it('reads durations from seconds to weeks, a bare number as seconds', () => {
    expect(parseDuration('0', '--backfill')).toBe(0);
    expect(parseDuration('90', '--backfill')).toBe(90_000);
    expect(parseDuration('15m', '--duration')).toBe(900_000);
    expect(parseDuration('7d', '--backfill')).toBe(7 * 86_400_000);
    expect(parseDuration('2w', '--backfill')).toBe(14 * 86_400_000);
    expect(() => parseDuration('7 days', '--backfill')).toThrow(/--backfill 7 days: write a duration/);
  });

  it('reads fault rates and refuses unknown kinds, bad numbers and impossible rates with INVALID_ARGUMENT', () => {
    expect(parseFaultRates('spike=0.001, gap=0.0005')).toEqual({ spike: 0.001, gap: 0.0005 });
    expect(() => parseFaultRates('spike')).toThrow(/kind=rate pairs/);
    expect(() => parseFaultRates('spike=lots')).toThrow(/kind=rate pairs/);
    expect(() => parseFaultRates('spikes=0.1')).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/unknown fault kind "spikes"/),
      }),
    );
    expect(() => parseFaultRates('gap=0.7,late=0.7')).toThrow(/more than 1/);
  });

  it('lays flags over the simulator config section', async () => {
    const section = configSchema.parse({ simulator: { buildings: 3, faults: { spike: 0.01 } } }).simulator;
    const fromConfig = await simulationSettingsOf(section, {});
    expect(fromConfig.fleet.buildings).toHaveLength(3);
    expect(fromConfig).toMatchObject({
      intervalMs: 60_000,
      backfillMs: 86_400_000,
      faults: { spike: 0.01 },
      speed: 1,
    });
    const flagged = await simulationSettingsOf(section, {
      buildings: '2',
      speed: 'max',
      interval: '1h',
      count: '10',
    });
    expect(flagged.fleet.buildings).toHaveLength(2);
    expect(flagged).toMatchObject({ intervalMs: 3_600_000, speed: Number.POSITIVE_INFINITY, count: 10 });
    await expect(simulationSettingsOf(section, { speed: '0' })).rejects.toThrow(/--speed 0/);
  });
});
