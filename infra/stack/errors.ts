import { EaioError, type EaioErrorOptions, type ErrorCode, type ErrorKind } from '../errors/index.ts';

/** Service names the stack manager knows about. */
export type ServiceName = 'kafka' | 'registry' | 'redis' | 'postgres';

/**
 * The codes a stack failure carries, each naming what the operator can do: fix the configuration,
 * install something, retry a download, read the service's log, or fix what stopped it starting.
 */
export type StackErrorCode = Extract<
  ErrorCode,
  'CONFIG_INVALID' | 'STACK_MISSING_BINARY' | 'STACK_FETCH_FAILED' | 'STACK_NOT_READY' | 'STACK_START_FAILED'
>;

/**
 * Failure of the local stack manager, in the coded hierarchy: `code` and `kind` as every
 * {@link EaioError}, and `service` (also in `context`) names the service that failed so callers can
 * point at its log. The message starts with `[service]`.
 */
export class StackError extends EaioError {
  override readonly name = 'StackError';
  readonly service: ServiceName | 'stack';

  constructor(
    service: ServiceName | 'stack',
    code: StackErrorCode,
    kind: ErrorKind,
    message: string,
    options: EaioErrorOptions = {},
  ) {
    super(code, kind, `[${service}] ${message}`, { ...options, context: { service, ...options.context } });
    this.service = service;
  }
}
