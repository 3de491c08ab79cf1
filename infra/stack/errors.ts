/** Service names the stack manager knows about. */
export type ServiceName = 'kafka' | 'registry' | 'redis' | 'postgres';

/**
 * Failure of the local stack manager. `code` is stable and machine-readable (e.g. 'NOT_READY',
 * 'MISSING_BINARY'); `service` names the service that failed so callers can point at its log.
 */
export class StackError extends Error {
  override readonly name = 'StackError';
  readonly code: string;
  readonly service: ServiceName | 'stack';

  constructor(service: ServiceName | 'stack', code: string, message: string, options?: { cause?: unknown }) {
    super(`[${service}] ${message}`, options);
    this.code = code;
    this.service = service;
  }
}
