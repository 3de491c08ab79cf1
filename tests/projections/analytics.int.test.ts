import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, rebuildNamedProjection } from '../../app/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import {
  type AnyTool,
  benchmarkTrend,
  findSimilarBuildings,
  LOCAL_ADMIN,
  principal,
  recommendActions,
  runTool,
  TOOL_ERROR_CODE,
} from '../../mcp-adapter/index.ts';
import type { Recommendation, RuleId } from '../../projections/index.ts';
import { createQueryLayer, type QueryLayer } from '../../projections/query-layer/index.ts';
import {
  BUILDINGS,
  buildingSpec,
  DAY,
  END,
  HOURS,
  NIGHT_ANOMALY_ID,
  NOON_ANOMALY_ID,
  START,
  STUCK_DAYS,
  STUCK_FROM_DAY,
  STUCK_ISSUE_ID,
  STUCK_VALUE,
  startAnalyticsDataSet,
} from '../support/analytics-data-set.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const window = { from: new Date(START), to: new Date(END) };
const hourOf = (t: number) => new Date(t).getUTCHours();
const isoDay = (t: number) => ((new Date(t).getUTCDay() + 6) % 7) + 1;
const occupied = (t: number) => isoDay(t) <= 5 && hourOf(t) >= 9 && hourOf(t) < 17;

/** Mean hourly electricity of a building over the hours `pick` selects, straight from its definition. */
function meanOf(buildingId: string, pick: (t: number) => boolean): number {
  const m = buildingSpec(buildingId).meters[0];
  const hours = HOURS.filter(pick);
  return hours.reduce((s, t) => s + (m?.value(t) ?? 0), 0) / hours.length;
}

/** `percentile_cont` over a list, computed here apart from the code under test. */
function percentileCont(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const lo = s[Math.floor(at)] ?? 0;
  const hi = s[Math.ceil(at)] ?? 0;
  return lo + (hi - lo) * (at - Math.floor(at));
}

const OFFICES = BUILDINGS.filter((b) => b.primaryUse === 'Office').map((b) => b.buildingId);
const fired = (recs: readonly Recommendation[] | undefined, rule: RuleId) =>
  (recs ?? []).filter((r) => r.ruleId === rule);
const figure = (r: Recommendation | undefined, name: string) =>
  r?.evidence.figures.find((f) => f.name === name)?.value;

describe('analytics queries: recommendations, similar buildings, EUI trends', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let queries: QueryLayer;

  beforeAll(async () => {
    platform = await createTestPlatform('analytics');
    projector = await startAnalyticsDataSet(platform);
    queries = createQueryLayer({ pool: platform.pool, redis: platform.redis });
  }, 300_000);

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  const recommend = async (buildingId: string, tenantId?: string) =>
    (
      await queries.recommendations({
        buildingId,
        ...window,
        ...(tenantId === undefined ? {} : { tenantId }),
      })
    ).data;

  it('night base load: fires on the building that runs at night, with its peers median, percentile, saving and night anomaly; silent on a plain office', async () => {
    const night = (t: number) => hourOf(t) < 5;
    const ratio = (id: string) => meanOf(id, night) / meanOf(id, occupied);
    const peers = OFFICES.filter((id) => id !== 'NightHeavy');
    const median = percentileCont(peers.map(ratio), 0.5);

    const [rec, ...more] = fired((await recommend('NightHeavy'))?.recommendations, 'night-base-load');
    expect(more).toEqual([]);
    expect(figure(rec, 'nightToOccupiedRatio')).toBeCloseTo(ratio('NightHeavy'), 9);
    expect(figure(rec, 'peersMedianRatio')).toBeCloseTo(median, 9);
    expect(figure(rec, 'percentile')).toBe(100);
    expect(figure(rec, 'peers')).toBe(peers.length);
    expect(rec?.evidence.peerIds).toEqual([...peers].sort());
    expect(rec?.evidence.meterIds).toEqual(['NightHeavy:e0']);
    expect(rec?.evidence.anomalyIds).toEqual([NIGHT_ANOMALY_ID]);
    expect(rec?.evidence.anomalyIds).not.toContain(NOON_ANOMALY_ID);
    expect(rec?.evidence.ranges).toEqual([expect.objectContaining(window)]);
    const nightMean = meanOf('NightHeavy', night);
    const occupiedMean = meanOf('NightHeavy', occupied);
    expect(rec?.estimatedSaving.amount).toBeCloseTo((nightMean - median * occupiedMean) * 5 * 365, 6);
    expect(rec?.estimatedSaving.unit).toBe('kWh');

    for (const id of ['N1', 'WeekendHeavy', 'Drift']) {
      expect(fired((await recommend(id))?.recommendations, 'night-base-load'), id).toEqual([]);
    }
  });

  it('weekend base load: fires on the building that works weekends, silent on the one that runs at night', async () => {
    const weekend = (t: number) => isoDay(t) >= 6 && hourOf(t) >= 9 && hourOf(t) < 17;
    const ratio = (id: string) => meanOf(id, weekend) / meanOf(id, occupied);
    const peers = OFFICES.filter((id) => id !== 'WeekendHeavy');
    const [rec] = fired((await recommend('WeekendHeavy'))?.recommendations, 'weekend-base-load');
    expect(figure(rec, 'weekendToOccupiedRatio')).toBeCloseTo(1, 9);
    expect(figure(rec, 'peersMedianRatio')).toBeCloseTo(percentileCont(peers.map(ratio), 0.5), 9);
    expect(figure(rec, 'percentile')).toBe(100);
    expect(rec?.severity).toBe('high');
    for (const id of ['N1', 'NightHeavy']) {
      expect(fired((await recommend(id))?.recommendations, 'weekend-base-load'), id).toEqual([]);
    }
  });

  it('peers are only the caller tenant buildings', async () => {
    const [all] = fired((await recommend('NightHeavy'))?.recommendations, 'night-base-load');
    const [mine] = fired((await recommend('NightHeavy', 'default'))?.recommendations, 'night-base-load');
    expect(all?.evidence.peerIds).toContain('Acme_Office');
    expect(mine?.evidence.peerIds).not.toContain('Acme_Office');
    expect(figure(mine, 'peers')).toBe((figure(all, 'peers') ?? 0) - 1);
    expect(await recommend('Acme_Office', 'default')).toBeUndefined();
  });

  it('simultaneous heating and cooling: fires where steam and chilled water run in the same hours, quoting them; silent where they take turns', async () => {
    const [rec, ...more] = fired(
      (await recommend('Lab_Fight'))?.recommendations,
      'simultaneous-heating-cooling',
    );
    expect(more).toEqual([]);
    const both = HOURS.filter(occupied);
    expect(figure(rec, 'simultaneousHours')).toBe(both.length);
    expect(figure(rec, 'commonHours')).toBe(HOURS.length);
    expect(rec?.evidence.meterIds).toEqual(['Lab_Fight:s0', 'Lab_Fight:c0']);
    // The first range is the first weekday's 09:00-17:00 (1 January 2016 is a Friday).
    expect(rec?.evidence.ranges[0]).toMatchObject({
      from: new Date(START + 9 * 3_600_000),
      to: new Date(START + 17 * 3_600_000),
    });
    // Steam above its base (5) in those hours, scaled from the window to a year.
    expect(rec?.estimatedSaving.amount).toBeCloseTo((both.length * 45 * 8760) / HOURS.length, 6);
    expect(figure(rec, 'meanOutdoorTemperature')).toBeGreaterThanOrEqual(18);
    // Two weeks of 18-20 °C weather at its station: every simultaneous hour with a temperature is mild.
    expect(figure(rec, 'hoursInMildWeather')).toBe(figure(rec, 'hoursWithTemperature'));
    expect(figure(rec, 'hoursWithTemperature')).toBe(both.filter((t) => t < START + 14 * DAY).length);
    expect(fired((await recommend('Lab_Ok'))?.recommendations, 'simultaneous-heating-cooling')).toEqual([]);
  });

  it('schedule drift: fires on the building whose start-up creeps earlier, silent on steady schedules', async () => {
    const [rec] = fired((await recommend('Drift'))?.recommendations, 'schedule-drift');
    expect(figure(rec, 'startHourFirst')).toBeGreaterThan(7.5);
    expect(figure(rec, 'startHourLast')).toBeLessThan(4.5);
    expect(figure(rec, 'startSlope')).toBeLessThan(-0.25);
    expect(figure(rec, 'stopSlope')).toBeCloseTo(0, 9);
    expect(rec?.estimatedSaving.amount).toBeGreaterThan(0);
    for (const id of ['N1', 'NightHeavy', 'N2']) {
      expect(fired((await recommend(id))?.recommendations, 'schedule-drift'), id).toEqual([]);
    }
  });

  it('flatlined meter: fires on the days a meter repeated one value, citing the stuck-value issue; silent otherwise', async () => {
    const [rec, ...more] = fired((await recommend('Lab_Stuck'))?.recommendations, 'flatlined-meter');
    expect(more).toEqual([]);
    expect(rec?.evidence.ranges).toEqual([
      expect.objectContaining({
        from: new Date(START + STUCK_FROM_DAY * DAY),
        to: new Date(START + (STUCK_FROM_DAY + STUCK_DAYS) * DAY),
      }),
    ]);
    expect(rec?.evidence.dataQualityIssueIds).toEqual([STUCK_ISSUE_ID]);
    expect(figure(rec, 'value')).toBe(STUCK_VALUE);
    expect(rec?.estimatedSaving.amount).toBeNull();
    // Offices are flat over a weekend (two days at base): under the rule's three days.
    for (const id of ['N1', 'Lab_Fight']) {
      expect(fired((await recommend(id))?.recommendations, 'flatlined-meter'), id).toEqual([]);
    }
  });

  it('a plain office gets no recommendation at all, and answers are the same twice', async () => {
    const first = await queries.recommendations({ buildingId: 'N1', ...window });
    expect(first.data?.recommendations).toEqual([]);
    expect(first.provenance.map((p) => p.projection)).toEqual([
      'rollups',
      'buildings',
      'anomalies',
      'data-quality-issues',
      'weather',
    ]);
    const a = await recommend('NightHeavy');
    const b = await recommend('NightHeavy');
    expect(b).toEqual(a);
  });

  it('finds the same shape at three times the size first, at distance 0, and a different shape far', async () => {
    const answer = await queries.similarBuildings({ buildingId: 'N1', ...window, limit: 20 });
    const s = answer.data;
    expect(s?.similar[0]?.buildingId).toBe('Scaled');
    expect(answer.dataUntil).toEqual(new Date(END));
    expect(s?.similar[0]?.distance).toBeCloseTo(0, 12);
    expect(s?.similar[0]?.weekly.hours).toBe(HOURS.length);
    expect(s?.similar[0]?.floorAreaM2).toBe(3000);
    const night = s?.similar.find((b) => b.buildingId === 'NightHeavy');
    expect(night?.distance).toBeGreaterThan(0.3);
    // Every one of the other offices is nearer N1 than the night-running one, and the order is by distance.
    const distances = s?.similar.map((b) => b.distance) ?? [];
    expect(distances).toEqual([...distances].sort((x, y) => x - y));
    // Lab_Fight and Lab_Ok have no electricity; Lab_Stuck's is complete.
    expect(s?.similar.map((b) => b.buildingId)).not.toContain('Lab_Fight');
    expect(s?.target.daily.values).toHaveLength(24);
    expect(s?.target.weekly.values).toHaveLength(168);
    // Same primary use only: no laboratory, and another tenant's office only for every-tenant callers.
    const offices = await queries.similarBuildings({
      buildingId: 'N1',
      ...window,
      samePrimaryUse: true,
      tenantId: 'default',
      limit: 20,
    });
    expect(offices.data?.similar.map((b) => b.buildingId).sort()).toEqual(
      OFFICES.filter((id) => id !== 'N1' && id !== 'Acme_Office').sort(),
    );
  });

  it('benchmark trend: monthly EUI, peers quartiles and percentile as computed independently, and a rising trend', async () => {
    const answer = await queries.benchmarkTrend({ buildingId: 'N2', ...window });
    const t = answer.data;
    const monthOf = (time: number) => new Date(time).toISOString().slice(0, 7);
    const eui = (id: string, month: string) => {
      const spec = buildingSpec(id);
      const sum = HOURS.filter((h) => monthOf(h) === month).reduce(
        (s, h) => s + (spec.meters[0]?.value(h) ?? 0),
        0,
      );
      return sum / (spec.floorAreaM2 ?? Number.NaN);
    };
    expect(t?.months.map((m) => m.month)).toEqual(['2016-01', '2016-02', '2016-03']);
    for (const m of t?.months ?? []) {
      const all = OFFICES.map((id) => eui(id, m.month));
      const mine = eui('N2', m.month);
      expect(m.eui).toBeCloseTo(mine, 9);
      expect(m.coverage).toBe(1);
      expect(m.peers?.count).toBe(OFFICES.length);
      expect(m.peers?.median).toBeCloseTo(percentileCont(all, 0.5), 9);
      expect(m.peers?.p25).toBeCloseTo(percentileCont(all, 0.25), 9);
      expect(m.peers?.p75).toBeCloseTo(percentileCont(all, 0.75), 9);
      expect(m.percentile).toBeCloseTo((100 * all.filter((x) => x < mine).length) / (all.length - 1), 9);
    }
    expect(t?.euiUnit).toBe('kWh/m²');
    expect(t?.trend.months).toBe(3);
    expect(t?.trend.euiSlopePerMonth).toBeGreaterThan(0);
    expect(t?.trend.yearOverYear).toBeNull();
    expect(answer.dataUntil).toEqual(new Date(END));

    // As of 1 March: February is the last month, and nothing after asOf is behind the answer.
    const asOf = new Date(Date.UTC(2016, 2, 1));
    const before = await queries.benchmarkTrend({ buildingId: 'N2', ...window, asOf });
    expect(before.data?.months.map((m) => m.month)).toEqual(['2016-01', '2016-02']);
    expect(before.data?.months[1]?.coverage).toBe(1);
    expect(before.dataUntil).toEqual(asOf);
    // Another tenant's caller does not see N2; a caller of its own tenant ranks it without Acme's office.
    expect(
      (await queries.benchmarkTrend({ buildingId: 'N2', ...window, tenantId: 'acme' })).data,
    ).toBeUndefined();
    const own = await queries.benchmarkTrend({ buildingId: 'N2', ...window, tenantId: 'default' });
    expect(own.data?.months[0]?.peers?.count).toBe(OFFICES.length - 1);
  });

  it('refuses bad arguments with errors that say what to change', async () => {
    const invalid = async (p: Promise<unknown>, message: RegExp) => {
      const error = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EaioError);
      expect((error as EaioError).code).toBe('INVALID_ARGUMENT');
      expect((error as EaioError).message).toMatch(message);
    };
    await invalid(
      queries.recommendations({ buildingId: 'N1', from: window.to, to: window.from }),
      /range is empty/,
    );
    await invalid(
      queries.recommendations({ buildingId: 'N1', from: new Date(START - 200 * DAY), to: window.to }),
      /at most 184/,
    );
    await invalid(
      queries.recommendations({
        buildingId: 'N1',
        ...window,
        rules: ['night-base-load', 'tea-break' as RuleId],
      }),
      /unknown rule\(s\) tea-break; the rules are night-base-load/,
    );
    await invalid(
      queries.similarBuildings({ buildingId: 'N1', from: window.from, to: new Date(START + 3 * DAY) }),
      /at least 7/,
    );
    await invalid(queries.similarBuildings({ buildingId: 'N1', ...window, limit: 0 }), /limit must be/);
    await invalid(
      queries.similarBuildings({ buildingId: 'Lab_Fight', ...window }),
      /no electricity readings/,
    );
    await invalid(queries.benchmarkTrend({ buildingId: 'Lab_Ok', ...window }), /no floor area/);
    expect((await queries.recommendations({ buildingId: 'Nowhere', ...window })).data).toBeUndefined();
    expect((await queries.similarBuildings({ buildingId: 'Nowhere', ...window })).data).toBeUndefined();
  });

  it('gives the same answers after the rollups are rebuilt from the log', async () => {
    const before = await Promise.all([
      recommend('NightHeavy'),
      recommend('Lab_Fight'),
      queries.similarBuildings({ buildingId: 'N1', ...window }).then((a) => a.data),
      queries.benchmarkTrend({ buildingId: 'N2', ...window }).then((a) => a.data),
    ]);
    const result = await rebuildNamedProjection(platform, 'rollups');
    expect(result.generation).toBe(2);
    const after = await Promise.all([
      recommend('NightHeavy'),
      recommend('Lab_Fight'),
      queries.similarBuildings({ buildingId: 'N1', ...window }).then((a) => a.data),
      queries.benchmarkTrend({ buildingId: 'N2', ...window }).then((a) => a.data),
    ]);
    expect(after).toEqual(before);
  }, 240_000);

  describe('the MCP tools over the same read models', () => {
    const args = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };
    const defaultAnalyst = principal('analyst-1', 'analyst', 'default');
    async function call<Q>(tool: AnyTool<Q>, input: unknown, who = LOCAL_ADMIN) {
      const run = await runTool(tool, tool.input.parse(input), {
        // The real query layer has every query the tools pick.
        queries: queries as unknown as Q,
        principal: who,
        now: () => END,
      });
      if (!run.result.isError) tool.output.parse(run.result.structuredContent);
      const text = run.result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
      return { ...run, text, structured: run.result.structuredContent as Record<string, unknown> };
    }

    it('recommend_actions quotes the evidence ids and figures in its text, and ranks peers within the caller tenant', async () => {
      const { structured, text } = await call(
        recommendActions,
        { buildingId: 'NightHeavy', ...args },
        defaultAnalyst,
      );
      const recs = structured.recommendations as { ruleId: string; evidence: { peerIds: string[] } }[];
      expect(recs.map((r) => r.ruleId)).toEqual(['night-base-load']);
      expect(recs[0]?.evidence.peerIds).not.toContain('Acme_Office');
      expect(text).toContain('night-base-load');
      expect(text).toContain(NIGHT_ANOMALY_ID);
      expect(text).toMatch(/estimated saving [\d.]+ kWh\/year/);
      expect(structured.provenance).toBeDefined();
      const none = await call(recommendActions, { buildingId: 'N1', ...args });
      expect(none.text).toMatch(/^No rule fired for N1 \(Office\)/);
    });

    it('a tenant cannot ask about another tenant building, nor tell it from an unknown one', async () => {
      for (const tool of [recommendActions, findSimilarBuildings, benchmarkTrend] as AnyTool<QueryLayer>[]) {
        const other = await call(tool, { buildingId: 'Acme_Office', ...args }, defaultAnalyst);
        const unknown = await call(tool, { buildingId: 'Nowhere', ...args }, defaultAnalyst);
        expect(other.result.isError, tool.name).toBe(true);
        expect(other.errorCode).toBe(TOOL_ERROR_CODE);
        expect(other.text.replace('Acme_Office', 'X')).toBe(unknown.text.replace('Nowhere', 'X'));
      }
    });

    it('find_similar_buildings and benchmark_trend answer with the distance method and the monthly figures', async () => {
      const similar = await call(findSimilarBuildings, { buildingId: 'N1', ...args, limit: 3 });
      expect((similar.structured.similar as { buildingId: string }[]).map((b) => b.buildingId)[0]).toBe(
        'Scaled',
      );
      expect(similar.structured.distanceMethod).toMatch(/root-mean-square/);
      expect(similar.text).toContain('1. Scaled (Office, 3000 m²): distance 0');
      const trend = await call(benchmarkTrend, { buildingId: 'N2', ...args }, defaultAnalyst);
      expect((trend.structured.months as { peers: { count: number } }[])[0]?.peers.count).toBe(
        OFFICES.length - 1,
      );
      expect(trend.text).toContain('2016-03:');
      const bad = await call(benchmarkTrend, { buildingId: 'Lab_Ok', ...args });
      expect(bad.result.isError).toBe(true);
      expect(bad.text).toMatch(/no floor area/);
    });
  });
});
