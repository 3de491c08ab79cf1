import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summariseLatencies } from '../../benchmarks/e2e/latency-poller.ts';
import { parseProcStatus } from '../../benchmarks/e2e/stage-processes.ts';

describe('a latency summary', () => {
  it('gives nearest-rank p50 and p99 and the max, whatever the order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summariseLatencies(values)).toEqual({ count: 100, p50Ms: 51, p99Ms: 100, maxMs: 100 });
    expect(values[0]).toBe(100);
  });

  it('is NaN with no latencies', () => {
    const summary = summariseLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p50Ms).toBeNaN();
    expect(summary.maxMs).toBeNaN();
  });

  it('orders p50 <= p99 <= max, all within the values', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100_000), { minLength: 1 }), (values) => {
        const s = summariseLatencies(values);
        expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
        expect(s.p99Ms).toBeLessThanOrEqual(s.maxMs);
        expect(s.maxMs).toBe(Math.max(...values));
        expect(values).toContain(s.p50Ms);
      }),
    );
  });
});

describe('a process status', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  409600 kB\nVmRSS:\t  204800 kB\nThreads:\t11\n';
    expect(parseProcStatus(status)).toEqual({ rss: 204800 * 1024, hwm: 409600 * 1024 });
  });

  it('is undefined for a process that is gone', () => {
    expect(parseProcStatus('')).toBeUndefined();
    expect(parseProcStatus('Name:\tnode\nState:\tZ (zombie)\n')).toBeUndefined();
  });
});
