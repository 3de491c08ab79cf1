import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerLagReader } from '../kafka/index.ts';

/** Every EAIO metric name, so dashboards and tests refer to one list. */
export const METRIC_NAMES = {
  eventsConsumed: 'eaio_events_consumed_total',
  eventsProduced: 'eaio_events_produced_total',
  consumerLag: 'eaio_consumer_lag',
  consumerLagReadErrors: 'eaio_consumer_lag_read_errors_total',
  deadLetters: 'eaio_dead_letters_total',
  batchSize: 'eaio_batch_size',
  projectionWriteDuration: 'eaio_projection_write_duration_seconds',
  cacheRequests: 'eaio_cache_requests_total',
  cacheHitRatio: 'eaio_cache_hit_ratio',
  mcpToolDuration: 'eaio_mcp_tool_duration_seconds',
  mcpToolErrors: 'eaio_mcp_tool_errors_total',
  circuitState: 'eaio_circuit_state',
  mcpRateLimited: 'eaio_mcp_rate_limited_total',
  mcpRateLimitFallback: 'eaio_mcp_rate_limit_fallback_total',
} as const;

/** The prom-client instruments behind {@link EaioMetrics}, for callers that need them raw. */
export interface EaioInstruments {
  readonly eventsConsumed: Counter<'component' | 'topic'>;
  readonly eventsProduced: Counter<'component' | 'topic'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly consumerLagReadErrors: Counter<never>;
  readonly deadLetters: Counter<'topic' | 'stage' | 'code'>;
  readonly batchSize: Histogram<'component' | 'topic'>;
  readonly projectionWriteDuration: Histogram<'projection' | 'store'>;
  readonly cacheRequests: Counter<'category' | 'result'>;
  readonly cacheHitRatio: Gauge<'category'>;
  readonly mcpToolDuration: Histogram<'tool'>;
  readonly mcpToolErrors: Counter<'tool' | 'code'>;
  readonly circuitState: Gauge<'dependency'>;
  readonly mcpRateLimited: Counter<'limiter' | 'limit'>;
  readonly mcpRateLimitFallback: Counter<'limiter'>;
}

/** Circuit breakers as the metrics see them (infra/resilience's `CircuitBreakers` fits). */
export interface CircuitStateSource {
  breakerStates(): readonly { readonly dependency: string; readonly state: string }[];
}

/** Values of `eaio_circuit_state`; anything else a source reports counts as open. */
export const CIRCUIT_STATE_VALUES: Readonly<Record<string, number>> = {
  closed: 0,
  open: 1,
  'half-open': 2,
  isolated: 3,
};

/** What a stream stage (projector, processor runtime) records per batch. */
export interface StreamMetrics {
  /** `count` events read from `topic` by `component` (e.g. `projector`, `processor:anomalies`). */
  countConsumed(component: string, topic: string, count?: number): void;
  /** `count` events written to `topic` by `component`. */
  countProduced(component: string, topic: string, count?: number): void;
  /** One dead letter: its source topic, the stage that failed (`decode`, `validate`, ...) and the error code. */
  countDeadLetter(letter: { readonly topic: string; readonly stage: string; readonly code: string }): void;
  /** The number of messages in one batch a component handled. */
  observeBatchSize(component: string, topic: string, size: number): void;
}

/** What a projection writer records per write. */
export interface ProjectionMetrics {
  /** One write of `projection` into `store` (`postgres`, `redis`) took `seconds`. */
  observeProjectionWrite(projection: string, store: string, seconds: number): void;
  /** Starts timing a write; call the returned function when it has committed. */
  startProjectionWrite(projection: string, store: string): () => void;
}

/** What a cache records per lookup; the dashboard derives the hit ratio. */
export interface CacheMetrics {
  countCacheRequest(category: string, hit: boolean): void;
}

/** What the MCP rate limiters record: refusals, and checks made without Redis. */
export interface RateLimitMetrics {
  /** One call or request refused by `limiter` (`tools`, `http`) on `limit` (`principal`, `tool`, `quota`, `client`). */
  countRateLimited(limiter: string, limit: string): void;
  /** One check `limiter` made on its per-process limits because Redis was unreachable. */
  countRateLimitFallback(limiter: string): void;
}

/** What the MCP adapter records per tool call. */
export interface McpToolMetrics {
  /**
   * Times `call` as one call of `tool`. A throw counts as an error with the error's `code` (or
   * `INTERNAL`); `errorCodeOf` may classify a result as an error too (e.g. `isError: true`).
   */
  measureTool<T>(
    tool: string,
    call: () => Promise<T>,
    errorCodeOf?: (result: T) => string | undefined,
  ): Promise<T>;
  /** Records a tool call timed elsewhere; `errorCode` when it failed. */
  observeTool(tool: string, seconds: number, errorCode?: string): void;
}

/** One process's metrics: a prom-client registry and the typed API components record through. */
export interface EaioMetrics
  extends StreamMetrics,
    ProjectionMetrics,
    CacheMetrics,
    McpToolMetrics,
    RateLimitMetrics {
  readonly registry: Registry;
  readonly instruments: EaioInstruments;
  /** Reports this reader's partitions as `eaio_consumer_lag` on every scrape. */
  watchConsumerLag(reader: ConsumerLagReader): void;
  /** Reports these breakers as `eaio_circuit_state{dependency}` on every scrape. */
  watchCircuitBreakers(source: CircuitStateSource): void;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC); on by default. */
  readonly processMetrics?: boolean;
  /** Labels on every series, e.g. `{ instance_role: 'projector' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000];
const WRITE_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TOOL_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Creates a process's metrics on a fresh registry (never prom-client's global one, so tests and
 * several components in one process do not collide).
 */
export function createMetrics({ processMetrics = true, defaultLabels }: MetricsOptions = {}): EaioMetrics {
  const registry = new Registry();
  if (defaultLabels) registry.setDefaultLabels({ ...defaultLabels });
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const lagReaders: ConsumerLagReader[] = [];
  const breakerSources: CircuitStateSource[] = [];

  const consumerLagReadErrors = new Counter({
    name: METRIC_NAMES.consumerLagReadErrors,
    help: 'Scrapes on which the consumer lag could not be read (Kafka unreachable or slow).',
    registers,
  });
  const cacheRequests = new Counter({
    name: METRIC_NAMES.cacheRequests,
    help: 'Cache lookups by category and result (hit or miss).',
    labelNames: ['category', 'result'],
    registers,
  });
  const instruments: EaioInstruments = {
    eventsConsumed: new Counter({
      name: METRIC_NAMES.eventsConsumed,
      help: 'Events read from a topic, by component.',
      labelNames: ['component', 'topic'],
      registers,
    }),
    eventsProduced: new Counter({
      name: METRIC_NAMES.eventsProduced,
      help: 'Events written to a topic, by component.',
      labelNames: ['component', 'topic'],
      registers,
    }),
    consumerLag: new Gauge({
      name: METRIC_NAMES.consumerLag,
      help: 'Messages a consumer group has not committed yet, per partition (read on scrape, cached a few seconds).',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        const results = await Promise.allSettled(lagReaders.map((r) => r.read()));
        this.reset();
        for (const result of results) {
          if (result.status === 'rejected') {
            consumerLagReadErrors.inc();
            continue;
          }
          for (const p of result.value)
            this.set({ group: p.group, topic: p.topic, partition: String(p.partition) }, Number(p.lag));
        }
      },
    }),
    consumerLagReadErrors,
    deadLetters: new Counter({
      name: METRIC_NAMES.deadLetters,
      help: 'Events sent to a dead-letter topic, by source topic, failing stage and error code.',
      labelNames: ['topic', 'stage', 'code'],
      registers,
    }),
    batchSize: new Histogram({
      name: METRIC_NAMES.batchSize,
      help: 'Messages per batch handled by a component.',
      labelNames: ['component', 'topic'],
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    }),
    projectionWriteDuration: new Histogram({
      name: METRIC_NAMES.projectionWriteDuration,
      help: 'Time to write one batch of a projection into its store, in seconds.',
      labelNames: ['projection', 'store'],
      buckets: WRITE_SECONDS_BUCKETS,
      registers,
    }),
    cacheRequests,
    cacheHitRatio: new Gauge({
      name: METRIC_NAMES.cacheHitRatio,
      help: 'Share of cache lookups answered from the cache since the process started, per category.',
      labelNames: ['category'],
      registers,
      // Derived from the counter on scrape, so the two never disagree.
      async collect() {
        const counts = new Map<string, { hit: number; all: number }>();
        for (const { labels, value } of (await cacheRequests.get()).values) {
          const category = String(labels.category);
          const c = counts.get(category) ?? { hit: 0, all: 0 };
          counts.set(category, {
            hit: c.hit + (labels.result === 'hit' ? value : 0),
            all: c.all + value,
          });
        }
        this.reset();
        for (const [category, c] of counts) if (c.all > 0) this.set({ category }, c.hit / c.all);
      },
    }),
    mcpToolDuration: new Histogram({
      name: METRIC_NAMES.mcpToolDuration,
      help: 'MCP tool call duration in seconds, errors included.',
      labelNames: ['tool'],
      buckets: TOOL_SECONDS_BUCKETS,
      registers,
    }),
    mcpToolErrors: new Counter({
      name: METRIC_NAMES.mcpToolErrors,
      help: 'MCP tool calls that failed, by tool and error code.',
      labelNames: ['tool', 'code'],
      registers,
    }),
    circuitState: new Gauge({
      name: METRIC_NAMES.circuitState,
      help: 'Circuit breaker state per dependency: 0 closed, 1 open, 2 half-open, 3 isolated.',
      labelNames: ['dependency'],
      registers,
      collect() {
        this.reset();
        for (const source of breakerSources)
          for (const b of source.breakerStates())
            this.set({ dependency: b.dependency }, CIRCUIT_STATE_VALUES[b.state] ?? 1);
      },
    }),
    mcpRateLimited: new Counter({
      name: METRIC_NAMES.mcpRateLimited,
      help: 'MCP tool calls and HTTP requests refused by a rate limit, by limiter and limit.',
      labelNames: ['limiter', 'limit'],
      registers,
    }),
    mcpRateLimitFallback: new Counter({
      name: METRIC_NAMES.mcpRateLimitFallback,
      help: 'Rate-limit checks made on per-process limits because Redis was unreachable, by limiter.',
      labelNames: ['limiter'],
      registers,
    }),
  };

  const observeTool = (tool: string, seconds: number, errorCode?: string): void => {
    instruments.mcpToolDuration.observe({ tool }, seconds);
    if (errorCode !== undefined) instruments.mcpToolErrors.inc({ tool, code: errorCode });
  };

  return {
    registry,
    instruments,
    watchConsumerLag(reader) {
      lagReaders.push(reader);
    },
    watchCircuitBreakers(source) {
      breakerSources.push(source);
    },
    countConsumed(component, topic, count = 1) {
      instruments.eventsConsumed.inc({ component, topic }, count);
    },
    countProduced(component, topic, count = 1) {
      instruments.eventsProduced.inc({ component, topic }, count);
    },
    countDeadLetter({ topic, stage, code }) {
      instruments.deadLetters.inc({ topic, stage, code });
    },
    observeBatchSize(component, topic, size) {
      instruments.batchSize.observe({ component, topic }, size);
    },
    observeProjectionWrite(projection, store, seconds) {
      instruments.projectionWriteDuration.observe({ projection, store }, seconds);
    },
    startProjectionWrite(projection, store) {
      return instruments.projectionWriteDuration.startTimer({ projection, store }) as () => void;
    },
    countCacheRequest(category, hit) {
      instruments.cacheRequests.inc({ category, result: hit ? 'hit' : 'miss' });
    },
    countRateLimited(limiter, limit) {
      instruments.mcpRateLimited.inc({ limiter, limit });
    },
    countRateLimitFallback(limiter) {
      instruments.mcpRateLimitFallback.inc({ limiter });
    },
    observeTool,
    async measureTool(tool, call, errorCodeOf) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1_000;
      let result: Awaited<ReturnType<typeof call>>;
      try {
        result = await call();
      } catch (error) {
        observeTool(tool, seconds(), codeOf(error));
        throw error;
      }
      observeTool(tool, seconds(), errorCodeOf?.(result));
      return result;
    },
  };
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return 'INTERNAL';
}
