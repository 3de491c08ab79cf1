import { describe, expect, it } from 'vitest';
import { estimateSavings, LOCAL_ADMIN, type McpReads, runTool } from '../../mcp-adapter/index.ts';
import type { Answer, SavingsEstimate, SavingsQuery } from '../../projections/index.ts';

const NOW = Date.parse('2026-01-02T00:00:00Z');

const estimate = (avoided: number): SavingsEstimate => ({
  buildingId: 'Office_A',
  stationId: 'ST1',
  timeZone: 'UTC',
  meterKind: 'electricity',
  unit: 'kWh',
  changeDate: new Date('2016-03-01T00:00:00Z'),
  baseline: {
    from: new Date('2016-01-01T00:00:00Z'),
    to: new Date('2016-03-01T00:00:00Z'),
    hours: 1400,
    leftOut: { missingTemperature: 3, missingConsumption: 1 },
  },
  reporting: {
    from: new Date('2016-03-01T00:00:00Z'),
    to: new Date('2016-03-15T00:00:00Z'),
    hours: 336,
    leftOut: { missingTemperature: 0, missingConsumption: 0 },
  },
  adjustedBaseline: 10_000,
  actual: 10_000 - avoided,
  avoided,
  savingsFraction: avoided / 10_000,
  uncertainty: {
    confidence: 0.9,
    n: 1400,
    nEffective: 500,
    rho: 0.47,
    m: 336,
    parameters: 170,
    t: 1.648,
    savingsFraction: avoided / 10_000,
    absolute: 120,
    fractional: avoided === 0 ? Number.POSITIVE_INFINITY : 120 / Math.abs(avoided),
  },
  baselineFit: {
    n: 1400,
    meanActual: 30,
    cvRmse: 0.12,
    nmbe: 0,
    r2: 0.9,
    parameters: 170,
    limits: { cvRmse: 0.3, nmbe: 0.1 },
  },
  model: { kind: 'towt', contentHash: 'a'.repeat(64), coefficients: 174, knotsC: [12.8, 18.3] },
  dataUntil: new Date('2016-03-15T00:00:00Z'),
});

/** The two queries the tool reads; the rest of the layer is never asked (a full fake adds nothing here). */
function reads(savings: (q: SavingsQuery) => Promise<Answer<SavingsEstimate | undefined>>): McpReads {
  return { savings, buildingTenant: async () => 'default' } as unknown as McpReads;
}

async function call(args: unknown, queries: McpReads) {
  const run = await runTool(estimateSavings, estimateSavings.input.parse(args), {
    queries,
    principal: LOCAL_ADMIN,
    now: () => NOW,
  });
  if (!run.result.isError) estimateSavings.output.parse(run.result.structuredContent);
  const text = run.result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return { ...run, text, structured: run.result.structuredContent as Record<string, unknown> };
}

describe('estimate_savings', () => {
  it('passes the periods as dates and maps the measurement, its uncertainty and the hours left out', async () => {
    const asked: SavingsQuery[] = [];
    const run = await call(
      {
        buildingId: 'Office_A',
        changeDate: '2016-03-01T00:00:00Z',
        baseline: { from: '2016-01-01T00:00:00Z', to: '2016-03-01T00:00:00Z' },
        blackout: { from: '2016-02-01T00:00:00Z', to: '2016-02-02T00:00:00Z' },
        confidence: 0.95,
      },
      reads(async (q) => {
        asked.push(q);
        return { data: estimate(1500), provenance: [], dataUntil: null, stale: false };
      }),
    );
    expect(asked).toEqual([
      {
        buildingId: 'Office_A',
        changeDate: new Date('2016-03-01T00:00:00Z'),
        baseline: { from: new Date('2016-01-01T00:00:00Z'), to: new Date('2016-03-01T00:00:00Z') },
        blackout: { from: new Date('2016-02-01T00:00:00Z'), to: new Date('2016-02-02T00:00:00Z') },
        confidence: 0.95,
      },
    ]);
    expect(run.structured).toMatchObject({
      avoided: 1500,
      savingsFraction: 0.15,
      uncertainty: { absolute: 120, fractional: 0.08, n: 1400, m: 336, rho: 0.47 },
      baseline: { hours: 1400, hoursWithoutTemperature: 3, hoursWithoutConsumption: 1 },
      baselineFit: { cvRmse: 0.12, meetsGuideline14: true, parameters: 170 },
      model: { kind: 'towt', coefficients: 174 },
    });
    expect(run.text).toContain('avoided 1500 ± 120 kWh at 90 % confidence (15 % of the adjusted baseline');
  });

  it('reports no fractional uncertainty when nothing was saved, and an unknown building as such', async () => {
    const none = await call(
      { buildingId: 'Office_A', changeDate: '2016-03-01T00:00:00Z' },
      reads(async () => ({ data: estimate(0), provenance: [], dataUntil: null, stale: false })),
    );
    expect(none.result.isError).toBeFalsy();
    expect((none.structured.uncertainty as { fractional: number | null }).fractional).toBeNull();
    expect(none.text).toContain('Fractional savings uncertainty n/a');
    const unknown = await call(
      { buildingId: 'Nowhere', changeDate: '2016-03-01T00:00:00Z' },
      reads(async () => ({ data: undefined, provenance: [], dataUntil: null, stale: false })),
    );
    expect(unknown.result.isError).toBe(true);
    expect(unknown.text).toContain("No building 'Nowhere' is known");
  });

  it('refuses a confidence given in percent and a change date without a zone before asking', () => {
    expect(() =>
      estimateSavings.input.parse({ buildingId: 'A', changeDate: '2016-03-01T00:00:00Z', confidence: 90 }),
    ).toThrow();
    expect(() => estimateSavings.input.parse({ buildingId: 'A', changeDate: '2016-03-01 00:00' })).toThrow();
  });
});
