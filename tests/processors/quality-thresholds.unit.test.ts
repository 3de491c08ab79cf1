import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  createDataQualityProcessor,
  DEFAULT_QUALITY_RULES,
  type QualityThresholds,
  resolveDataQualityOptions,
  rulesFor,
  withQualityThresholds,
} from '../../processors/index.ts';
import { HOUR_MS, METER_KINDS, type SensorReading } from '../../schemas/index.ts';

/** The `quality` section's defaults (infra/config/config-schema.ts). */
const CONFIG_DEFAULTS: QualityThresholds = {
  maxFutureMs: 7_200_000,
  futureQuorum: 2,
  gapFactor: 1.5,
  spikeMadFactor: 5,
  stuckMinDurationMs: 86_400_000,
};

function reading(hour: number): SensorReading {
  return {
    eventId: `00000000-0000-4000-8000-${String(hour).padStart(12, '0')}`,
    occurredAt: new Date(Date.UTC(2016, 0, 1) + hour * HOUR_MS),
    source: 'test',
    buildingId: 'B',
    meterId: 'B:m0',
    meterKind: 'electricity',
    value: 10 + hour,
    unit: 'kWh',
  };
}

describe('quality thresholds from the config', () => {
  it('with the config defaults, every kind is judged by the built-in rules', () => {
    const config = resolveDataQualityOptions(withQualityThresholds(CONFIG_DEFAULTS));
    for (const meterKind of METER_KINDS)
      expect(rulesFor(config.rules, { meterId: 'm', buildingId: 'b', meterKind })).toEqual(
        DEFAULT_QUALITY_RULES[meterKind],
      );
    expect(config.maxFutureMs).toBe(CONFIG_DEFAULTS.maxFutureMs);
  });

  it('a new base reaches every kind, and an explicit override still wins', () => {
    const options = withQualityThresholds(
      { ...CONFIG_DEFAULTS, gapFactor: 3, futureQuorum: 4 },
      { rules: { byKind: { water: { gapFactor: 2 } } } },
    );
    const config = resolveDataQualityOptions(options);
    expect(rulesFor(config.rules, { meterId: 'm', buildingId: 'b', meterKind: 'gas' }).gapFactor).toBe(3);
    expect(rulesFor(config.rules, { meterId: 'm', buildingId: 'b', meterKind: 'water' }).gapFactor).toBe(2);
    expect(config.futureQuorum).toBe(4);
  });

  it('the processor reads the thresholds when it builds an operator, not while one runs', async () => {
    let thresholds: QualityThresholds = CONFIG_DEFAULTS;
    const definition = createDataQualityProcessor(() => thresholds);
    // Readings at hours 0, 1 and 4: a 3 h step, a gap for factor 1.5 (limit 1.5 h), not for 4 (4 h).
    const input = [reading(0), reading(1), reading(4)];
    const before = definition.operator();
    thresholds = { ...CONFIG_DEFAULTS, gapFactor: 4 };
    const after = definition.operator();
    const gapsOf = async (operator: typeof before) =>
      (await lastValueFrom(from(input).pipe(operator, toArray()))).filter((i) => i.issueKind === 'gap');
    expect(await gapsOf(before)).toHaveLength(1);
    expect(await gapsOf(after)).toHaveLength(0);
  });
});
