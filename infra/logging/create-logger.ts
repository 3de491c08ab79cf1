import type { DestinationStream, Logger } from 'pino';
import { createLoggerRegistry, type LogLevel, parseLogLevel } from './logger-registry.ts';

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  readonly component?: string;
  /** Where lines go; stderr by default so stdout stays free for the MCP stdio transport. */
  readonly destination?: DestinationStream;
}

/**
 * JSON logs on stderr, one line per event, with the service and component on every line, trace
 * ids inside a span and secrets redacted. A one-component shortcut over
 * {@link createLoggerRegistry}; processes that want runtime levels per component use the registry.
 */
export function createLogger({
  level = 'info',
  component = 'eaio',
  destination,
}: LoggerOptions = {}): Logger {
  const parsed: LogLevel = parseLogLevel(level);
  return createLoggerRegistry({ level: parsed, ...(destination ? { destination } : {}) }).logger(component);
}
