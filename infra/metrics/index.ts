export type {
  CacheMetrics,
  CircuitStateSource,
  EaioInstruments,
  EaioMetrics,
  McpToolMetrics,
  MetricsOptions,
  ProjectionMetrics,
  RateLimitMetrics,
  StreamMetrics,
} from './create-metrics.ts';
export { CIRCUIT_STATE_VALUES, createMetrics, METRIC_NAMES } from './create-metrics.ts';
export type { MetricsServerOptions, RunningMetricsServer } from './metrics-server.ts';
export { DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT, startMetricsServer } from './metrics-server.ts';
