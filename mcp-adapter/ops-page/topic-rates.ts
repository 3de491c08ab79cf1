/** One reading of a topic's size: the sum of its partitions' end offsets at a moment. */
interface Sample {
  readonly at: number;
  readonly end: bigint;
}

/** How long samples are kept; the rate is taken over the oldest kept sample. */
const WINDOW_MS = 5 * 60_000;
/** A sample younger than this is too close to the newest to give a rate. */
const MIN_SPAN_MS = 1000;

/**
 * Messages per second on each topic, from the end offsets the page reads on each view: the rate is
 * the growth of the end offsets since the oldest view within the last five minutes. Nothing is
 * sampled between views, so the first view after a while says "not measured yet" rather than guessing.
 */
export interface TopicRates {
  /** Records `end` (the summed end offsets) of `topic` read at `at` (ms), and the rate it gives. */
  observe(topic: string, end: bigint, at: number): number | undefined;
}

export function createTopicRates(): TopicRates {
  const samples = new Map<string, Sample[]>();
  return {
    observe(topic, end, at) {
      const kept = (samples.get(topic) ?? []).filter((s) => at - s.at <= WINDOW_MS && s.end <= end);
      const oldest = kept[0];
      kept.push({ at, end });
      samples.set(topic, kept);
      if (oldest === undefined || at - oldest.at < MIN_SPAN_MS) return undefined;
      return (Number(end - oldest.end) * 1000) / (at - oldest.at);
    },
  };
}
