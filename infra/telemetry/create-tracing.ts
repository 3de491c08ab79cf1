import { context, propagation, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { EaioError } from '../errors/index.ts';
import { ATTR_SERVICE_NAME } from './semantic-attributes.ts';
import { globalTracer } from './spans.ts';
import { type LineSink, StderrSpanExporter } from './stderr-span-exporter.ts';

export interface TracingOptions {
  /** `service.name` of every span. */
  readonly serviceName: string;
  /**
   * Where ended spans go. None: spans are still made and propagated (trace ids in logs and in
   * the events' headers), only not exported. Any `SpanExporter` fits, e.g. an OTLP one.
   */
  readonly exporter?: SpanExporter;
  /**
   * `batch` (default) exports in the background; `simple` exports each span as it ends, for
   * tests and for the debugging exporter.
   */
  readonly processor?: 'batch' | 'simple';
  /**
   * Share of new traces recorded, 0 to 1 (default 1). A span continuing a trace follows its
   * parent's decision, so a reading's trace is kept or dropped whole across processes.
   */
  readonly sampleRatio?: number;
}

/** A process's tracing: the tracer its components use and how to flush and stop it. */
export interface Tracing {
  /** Whether spans are recorded (false: the OpenTelemetry API's no-ops). */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Exports every ended span now (tests call it before reading an in-memory exporter). */
  forceFlush(): Promise<void>;
  /** Flushes, then unregisters the provider, context manager and propagator. */
  shutdown(): Promise<void>;
}

/**
 * Sets up tracing for this process: an SDK `TracerProvider` (parent-based ratio sampler), the
 * AsyncLocalStorage context manager, so a span started inside an `await` chain finds its parent,
 * and the W3C trace-context propagator, which the Kafka header helpers use. These three are
 * registered with the OpenTelemetry global API, the one place the API looks them up (and where
 * the logger reads the active span's ids); nothing else is global. Only one tracing may be set up
 * at a time: a second call before `shutdown()` is refused.
 */
export function createTracing({
  serviceName,
  exporter,
  processor = 'batch',
  sampleRatio = 1,
}: TracingOptions): Tracing {
  if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `sampleRatio must be within 0..1, got ${sampleRatio}`,
      {
        context: { sampleRatio },
      },
    );
  }
  const spanProcessors: SpanProcessor[] =
    exporter === undefined
      ? []
      : [
          processor === 'simple'
            ? new SimpleSpanProcessor({ exporter })
            : new BatchSpanProcessor({ exporter }),
        ];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
    spanProcessors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const registered = [
    context.setGlobalContextManager(contextManager),
    propagation.setGlobalPropagator(new W3CTraceContextPropagator()),
    trace.setGlobalTracerProvider(provider),
  ];
  if (registered.includes(false)) {
    // Undo only what this call registered: the API refuses to replace what another set up.
    if (registered[0]) context.disable();
    if (registered[1]) propagation.disable();
    if (registered[2]) trace.disable();
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      'Tracing is already set up in this process; shut the existing one down first',
    );
  }
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    tracer: globalTracer(),
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          propagation.disable();
          context.disable();
        }
      })();
      return stopped;
    },
  };
}

/** Tracing off: the API's no-op tracer, nothing registered, nothing to flush. */
export function disabledTracing(): Tracing {
  return {
    enabled: false,
    tracer: globalTracer(),
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
}

/** The `tracing` config section (see `infra/config/config-schema.ts`). */
export interface TracingSettings {
  readonly enabled: boolean;
  readonly exporter: 'none' | 'console';
  readonly sampleRatio: number;
}

/**
 * Tracing as configured: off unless `enabled`; `console` prints each span as a JSON line on
 * stderr (`sink`). OTLP is not bundled: see docs/observability.md (Tracing) to pass an OTLP exporter
 * to {@link createTracing}.
 */
export function tracingFromSettings(
  settings: TracingSettings,
  { serviceName, sink }: { readonly serviceName: string; readonly sink?: LineSink },
): Tracing {
  if (!settings.enabled) return disabledTracing();
  return createTracing({
    serviceName,
    sampleRatio: settings.sampleRatio,
    ...(settings.exporter === 'console'
      ? { exporter: new StderrSpanExporter(sink), processor: 'simple' as const }
      : {}),
  });
}
