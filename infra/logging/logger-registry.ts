import {
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Logger,
  type LoggerOptions as PinoOptions,
  pino,
} from 'pino';
import { EaioError } from '../errors/index.ts';
import { createSecretMasker, DEFAULT_SECRET_KEYS, REDACTED, secretRedactPaths } from './redact-secrets.ts';
import { traceContextMixin } from './trace-context.ts';

/** pino's level names; `silent` turns a component off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerRegistryOptions {
  /** `service` on every line. */
  readonly service?: string;
  /** Level of every component without an override (`log.level`). */
  readonly level?: LogLevel;
  /** Per-component overrides (`log.levels`), e.g. `{ kafkajs: 'error', projector: 'debug' }`. */
  readonly levels?: Readonly<Record<string, LogLevel>>;
  /** Where lines go; stderr by default so stdout stays free for the MCP stdio transport. */
  readonly destination?: DestinationStream;
  /** Key names censored at any depth, case-insensitively; defaults to {@link DEFAULT_SECRET_KEYS}. */
  readonly secretKeys?: readonly string[];
  /** Extra exact pino redact paths, e.g. `config.registry.basicAuth`. */
  readonly secretPaths?: readonly string[];
}

/**
 * One process's loggers: a child per component, whose level can be changed while running. Every
 * descendant logger (`logger.child({...})`, also one naming another `component`) is tracked, so
 * `setLevel` reaches loggers components already hold.
 */
export interface LoggerRegistry {
  /** The logger of a component (`component` on every line); the same instance on each call. */
  logger(component: string): Logger;
  /** Changes a component's level now, for its existing and future loggers. */
  setLevel(component: string, level: LogLevel): void;
  /** Drops a component's override: it follows the default level again. */
  clearLevel(component: string): void;
  /** Changes the default level (components without an override follow it). */
  setDefaultLevel(level: LogLevel): void;
  /**
   * Replaces the default level and every override at once, e.g. with a reloaded `log` config
   * section: components whose override was removed follow the new default.
   */
  configure(levels: { readonly level: LogLevel; readonly levels: Readonly<Record<string, LogLevel>> }): void;
  /** The level a component logs at now. */
  levelOf(component: string): LogLevel;
  /** The default level and every override, for an admin endpoint or a startup line. */
  levels(): { readonly default: LogLevel; readonly overrides: Readonly<Record<string, LogLevel>> };
}

/** Returns `level` as a {@link LogLevel}, or throws an `INVALID_ARGUMENT` error naming the choices. */
export function parseLogLevel(level: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new EaioError(
    'INVALID_ARGUMENT',
    'permanent',
    `'${level}' is not a log level; one of ${LOG_LEVELS.join(', ')}`,
    {
      context: { level },
    },
  );
}

const NO_COMPONENT = '';

/**
 * Builds the process's logger registry: pino JSON lines with `service`, `component`, and
 * `traceId`/`spanId` inside an active span; secrets redacted by key and path, credentials masked
 * inside URLs in fields, messages, errors and bindings.
 */
export function createLoggerRegistry({
  service = 'eaio-stream',
  level = 'info',
  levels = {},
  destination,
  secretKeys = DEFAULT_SECRET_KEYS,
  secretPaths = [],
}: LoggerRegistryOptions = {}): LoggerRegistry {
  let defaultLevel = parseLogLevel(level);
  const overrides = new Map<string, LogLevel>(
    Object.entries(levels).map(([component, l]) => [component, parseLogLevel(l)]),
  );
  const levelOf = (component: string): LogLevel => overrides.get(component) ?? defaultLevel;

  // WeakRefs: components may create short-lived children (per batch, per request) that must not
  // be kept alive by the registry.
  const tracked = new Map<string, { refs: Set<WeakRef<Logger>>; pruneAt: number }>();
  const track = (child: Logger): void => {
    const bound = child.bindings().component;
    const component = typeof bound === 'string' ? bound : NO_COMPONENT;
    let entry = tracked.get(component);
    if (entry === undefined) {
      entry = { refs: new Set(), pruneAt: 64 };
      tracked.set(component, entry);
    }
    entry.refs.add(new WeakRef(child));
    if (entry.refs.size > entry.pruneAt) {
      for (const ref of entry.refs) if (ref.deref() === undefined) entry.refs.delete(ref);
      entry.pruneAt = Math.max(64, entry.refs.size * 2);
    }
    // The registry is the authority on levels: a child takes its component's level, not its parent's.
    const wanted = levelOf(component);
    if (child.level !== wanted) child.level = wanted;
  };
  const apply = (component: string): void => {
    const entry = tracked.get(component);
    if (entry === undefined) return;
    const wanted = levelOf(component);
    for (const ref of entry.refs) {
      const logger = ref.deref();
      if (logger === undefined) entry.refs.delete(ref);
      else logger.level = wanted;
    }
  };

  const mask = createSecretMasker(secretKeys);
  const options: PinoOptions = {
    level: defaultLevel,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceContextMixin,
    redact: { paths: secretRedactPaths(secretKeys, secretPaths), censor: REDACTED },
    formatters: { log: (object) => mask(object) as Record<string, unknown> },
    serializers: {
      // formatters.log has already serialised and masked errors; pino's default serialiser would
      // serialise the result again and lose the error type.
      err: (value: unknown) => (value instanceof Error ? mask(value) : value),
      msg: (value: unknown) => mask(value),
    },
    onChild: (child) => track(child),
  };
  const root = pino(options, destination ?? pino.destination({ fd: 2, sync: false }));
  // pino serialises child bindings without formatters.log; mask them on the way in. Children
  // inherit this method through the prototype chain, so every descendant is covered.
  const child = root.child;
  const maskedChild: typeof root.child = function <L extends string = never>(
    this: Logger,
    bindings: Bindings,
    childOptions?: ChildLoggerOptions<L>,
  ): Logger<L> {
    return child.call(this, mask(bindings) as Bindings, childOptions) as Logger<L>;
  };
  root.child = maskedChild;

  const components = new Map<string, Logger>();
  return {
    logger(component) {
      let logger = components.get(component);
      if (logger === undefined) {
        logger = root.child({ component });
        components.set(component, logger);
      }
      return logger;
    },
    setLevel(component, level) {
      overrides.set(component, parseLogLevel(level));
      apply(component);
    },
    clearLevel(component) {
      overrides.delete(component);
      apply(component);
    },
    setDefaultLevel(level) {
      defaultLevel = parseLogLevel(level);
      for (const component of tracked.keys()) if (!overrides.has(component)) apply(component);
    },
    configure({ level, levels }) {
      defaultLevel = parseLogLevel(level);
      overrides.clear();
      for (const [component, l] of Object.entries(levels)) overrides.set(component, parseLogLevel(l));
      for (const component of tracked.keys()) apply(component);
    },
    levelOf,
    levels: () => ({ default: defaultLevel, overrides: Object.fromEntries(overrides) }),
  };
}
