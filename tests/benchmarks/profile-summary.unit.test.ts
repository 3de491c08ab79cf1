import { describe, expect, it } from 'vitest';
import {
  attributeCategories,
  type CpuProfile,
  formatCategoryMatrix,
  selfTimesUs,
  summariseProfile,
} from '../../benchmarks/profile/index.ts';

const ROOT = '/repo';
const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber });

/**
 * root -> run (project) -> decode (avsc); root -> (idle); root -> (garbage collector).
 * Samples last until the next (10 ms apart), the last until endTime.
 */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('run', `file://${ROOT}/processors/run.ts`, 9) },
    { id: 3, callFrame: frame('decode', `file://${ROOT}/node_modules/avsc/lib/types.js`, 99) },
    { id: 4, callFrame: frame('(idle)') },
    { id: 5, callFrame: frame('(garbage collector)') },
    // The same function reached by another path: one frame in the summary.
    { id: 6, callFrame: frame('decode', `file://${ROOT}/node_modules/avsc/lib/types.js`, 99) },
  ],
  startTime: 1_000_000,
  endTime: 1_100_000,
  // Timestamps 1.00 s, 1.01 s, ..., 1.09 s; the last sample lasts to 1.10 s.
  samples: [3, 3, 2, 4, 4, 4, 5, 6, 3, 2],
  timeDeltas: [0, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000],
};

describe('summarising a CPU profile', () => {
  it('gives each sample the time until the next one, the last until the end', () => {
    const self = selfTimesUs(PROFILE);
    expect(Object.fromEntries(self)).toEqual({ 2: 20_000, 3: 30_000, 4: 30_000, 5: 10_000, 6: 10_000 });
  });

  it('sums self time by category, with shares of the sampled time, busiest first', () => {
    const summary = summariseProfile(PROFILE, { root: ROOT, top: 10 });
    expect(summary.totalMs).toBe(100);
    expect(summary.busyMs).toBe(70);
    expect(summary.outsideMs).toBe(0);
    expect(summary.categories).toEqual([
      { category: 'avro', ms: 40, share: 40 },
      { category: 'idle', ms: 30, share: 30 },
      { category: 'project', ms: 20, share: 20 },
      { category: 'gc', ms: 10, share: 10 },
    ]);
  });

  it('merges a function reached by several paths and keeps the top N by self time', () => {
    const { top } = summariseProfile(PROFILE, { root: ROOT, top: 2 });
    expect(top).toEqual([
      { functionName: 'decode', location: 'avsc/lib/types.js:100', category: 'avro', selfMs: 40, share: 40 },
      { functionName: '(idle)', location: '', category: 'idle', selfMs: 30, share: 30 },
    ]);
    const all = summariseProfile(PROFILE, { root: ROOT, top: 10 }).top;
    expect(all.find((f) => f.functionName === 'run')?.location).toBe('processors/run.ts:10');
  });

  it('counts only the samples inside a window and reports the time left out', () => {
    // Samples at 1.03 to 1.05 s (idle) and 1.06 s (gc).
    const summary = summariseProfile(PROFILE, {
      root: ROOT,
      top: 10,
      window: { fromUs: 1_030_000, toUs: 1_070_000 },
    });
    expect(summary.categories.map((c) => [c.category, c.share])).toEqual([
      ['idle', 75],
      ['gc', 25],
    ]);
    expect(summary.totalMs).toBe(40);
    expect(summary.busyMs).toBe(10);
    expect(summary.outsideMs).toBe(60);
  });

  it('is empty, not NaN, on a profile without samples', () => {
    const summary = summariseProfile({ ...PROFILE, samples: [], timeDeltas: [] }, { root: ROOT, top: 5 });
    expect(summary).toEqual({ totalMs: 0, outsideMs: 0, busyMs: 0, categories: [], top: [] });
  });

  it("counts Node's internals and natives for the nearest caller that is neither, or as themselves at the top", () => {
    const nm = (path: string) => `file://${ROOT}/node_modules/${path}`;
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 5, 7] },
        { id: 2, callFrame: frame('request', nm('mappersmith/gateway/http.js')), children: [3] },
        { id: 3, callFrame: frame('ClientRequest', 'node:_http_client'), children: [4] },
        { id: 4, callFrame: frame('internalConnect', 'node:net') },
        { id: 5, callFrame: frame('write', nm('avsc/lib/utils.js')), children: [6] },
        { id: 6, callFrame: frame('writeLatin1String') },
        {
          id: 7,
          callFrame: frame('processTicksAndRejections', 'node:internal/process/task_queues'),
          children: [8],
        },
        { id: 8, callFrame: frame('runMicrotasks') },
      ],
      startTime: 0,
      endTime: 40_000,
      samples: [4, 6, 8, 3],
      timeDeltas: [0, 10_000, 10_000, 10_000],
    };
    const categories = attributeCategories(profile, ROOT);
    expect([3, 4, 6, 7, 8].map((id) => categories.get(id))).toEqual([
      'registry',
      'registry',
      'avro',
      'node',
      'other',
    ]);
    const summary = summariseProfile(profile, { root: ROOT, top: 10 });
    expect(summary.categories.map((c) => [c.category, c.ms])).toEqual([
      ['registry', 20],
      ['avro', 10],
      ['other', 10],
    ]);
    expect(summary.top.find((f) => f.functionName === 'writeLatin1String')?.category).toBe('avro');
  });

  it('lays several summaries side by side, a row per category any of them has, zero where one has none', () => {
    const whole = summariseProfile(PROFILE, { root: ROOT, top: 1 });
    const late = summariseProfile(PROFILE, {
      root: ROOT,
      top: 1,
      window: { fromUs: 1_030_000, toUs: 1_070_000 },
    });
    const table = formatCategoryMatrix([
      { name: 'whole', summary: whole },
      { name: 'late', summary: late },
    ]).split('\n');
    expect(table[0]).toBe('| share % | whole | late |');
    expect(table[2]).toBe('| sampled s | 0.1 | 0 |');
    expect(table).toContain('| idle | 30 | 75 |');
    expect(table).toContain('| avro | 40 | 0 |');
    expect(table.filter((line) => line.startsWith('| sql'))).toEqual([]);
  });
});
