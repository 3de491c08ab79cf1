import { describe, expect, it } from 'vitest';
import { peakRssOf } from '../../benchmarks/replay/run-eaio.ts';

describe("a replay run's peak RSS", () => {
  it('is the largest reported by any process of the run, not the parent that reported last', () => {
    const stderr = 'replaying\n\n@@eaio-bench-peak-rss-kb 409600\ndone\n\n@@eaio-bench-peak-rss-kb 57344\n';
    expect(peakRssOf(stderr)).toEqual({ peakKb: 409600, said: 'replaying\n\ndone' });
  });

  it('is not a number when no process reported', () => {
    expect(peakRssOf('eaio: failed').peakKb).toBeNaN();
  });
});
