import { describe, expect, it } from 'vitest';
import {
  catalogStages,
  PROJECTOR_STAGE,
  planStages,
  type StageSpec,
  stagesFedBy,
} from '../../benchmarks/profile/index.ts';

const processor = (
  name: string,
  input: StageSpec['requires'][number],
  output: StageSpec['produces'][number],
): StageSpec => ({ name, kind: 'processor', requires: [input], consumes: [input], produces: [output] });

const STAGES: StageSpec[] = [
  processor('rekey', 'sensorReadings', 'readingsByBuilding'),
  processor('rollup', 'readingsByBuilding', 'readingAggregates'),
  processor('meter-rollup', 'sensorReadings', 'readingAggregates'),
  processor('weather', 'weatherObservations', 'weatherHourly'),
  {
    name: 'projector',
    kind: 'projector',
    requires: ['sensorReadings'],
    consumes: ['sensorReadings', 'readingAggregates', 'weatherHourly'],
    produces: [],
  },
];

const names = (plan: readonly StageSpec[]) => plan.map((s) => s.name);

describe('the stage plan of a profile run', () => {
  it('runs a stage after every requested stage writing what it reads, keeping the requested order otherwise', () => {
    expect(
      names(planStages(['projector', 'rollup', 'meter-rollup', 'rekey'], STAGES, ['sensorReadings'])),
    ).toEqual(['meter-rollup', 'rekey', 'rollup', 'projector']);
    expect(names(planStages(['meter-rollup', 'rekey'], STAGES, ['sensorReadings']))).toEqual([
      'meter-rollup',
      'rekey',
    ]);
  });

  it('lets the projector run on whatever exists, but refuses a processor whose input nothing fills', () => {
    expect(names(planStages(['projector'], STAGES, ['sensorReadings']))).toEqual(['projector']);
    expect(() => planStages(['rollup'], STAGES, ['sensorReadings'])).toThrow(/rollup.*readingsByBuilding/);
    expect(() => planStages(['nope'], STAGES, ['sensorReadings'])).toThrow(/unknown stage "nope"/);
  });

  it('reports stages that feed each other in a cycle', () => {
    const cycle = [processor('a', 'anomalies', 'meters'), processor('b', 'meters', 'anomalies')];
    expect(() => planStages(['a', 'b'], cycle, ['anomalies'])).toThrow(/cycle/);
  });

  it('by default takes the stages fed by the readings, directly or through another stage', () => {
    expect(new Set(stagesFedBy(['sensorReadings'], STAGES))).toEqual(
      new Set(['rekey', 'rollup', 'meter-rollup', 'projector']),
    );
  });

  it('on the real catalogue: every reading processor and the projector, in an order where each input exists', () => {
    const stages = catalogStages();
    const fed = stagesFedBy(['sensorReadings'], stages);
    expect(new Set(fed)).toEqual(
      new Set([
        'reading-aggregates',
        'anomalies',
        'data-quality',
        'readings-by-building',
        'building-aggregates',
        PROJECTOR_STAGE,
      ]),
    );
    const plan = names(planStages(fed, stages, ['sensorReadings']));
    expect(plan.indexOf('readings-by-building')).toBeLessThan(plan.indexOf('building-aggregates'));
    expect(plan.at(-1)).toBe(PROJECTOR_STAGE);
  });
});
