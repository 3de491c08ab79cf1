/**
 * Every code an EAIO error can carry. The code is what callers branch on and what dead-letter
 * headers and logs record; messages are for people.
 */
export const ERROR_CODES = [
  'SCHEMA_FRAMING',
  'SCHEMA_UNKNOWN_ID',
  'SCHEMA_PAYLOAD',
  'SCHEMA_INCOMPATIBLE',
  'SCHEMA_REGISTRY_UNAVAILABLE',
  'EVENT_INVALID',
  'EVENT_OUT_OF_RANGE',
  'EVENT_TOO_LATE',
  'SINK_UNAVAILABLE',
  'SOURCE_LAGGING',
  'CONSUMER_STOPPED',
  'STACK_START_FAILED',
  'STACK_MISSING_BINARY',
  'STACK_FETCH_FAILED',
  'STACK_NOT_READY',
  'GROUP_ACTIVE',
  'INVALID_ARGUMENT',
  'REBUILD_RUNNING',
  'CONFIG_INVALID',
  'CONFIG_SECRET',
  'DEPENDENCY_UNAVAILABLE',
  'STORAGE_FULL',
  'LISTEN_FAILED',
  'TOOL_REFUSED',
  'TOKEN_INVALID',
  'ACCESS_DENIED',
  'RATE_LIMITED',
  'PRINCIPAL_MISSING',
  'IMPORT_HEADER',
  'IMPORT_SOURCE',
  'WEATHER_RESPONSE_INVALID',
  'WEATHER_REQUEST_REFUSED',
  'IMPORT_ROW',
  'CONTROL_ACTION_REFUSED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * How the runtime treats a failure: `transient` is retried (the event is not committed),
 * `poison` goes to the dead-letter topic, `permanent` stops the component.
 */
export type ErrorKind = 'transient' | 'poison' | 'permanent';

export interface EaioErrorOptions {
  readonly cause?: unknown;
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Base of the project's coded error hierarchy. */
export class EaioError extends Error {
  override readonly name: string = 'EaioError';
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, kind: ErrorKind, message: string, options: EaioErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = kind;
    this.context = options.context ?? {};
  }
}

/** Returns true when `error` is worth retrying: an EAIO transient error. */
export function isTransient(error: unknown): boolean {
  return error instanceof EaioError && error.kind === 'transient';
}
