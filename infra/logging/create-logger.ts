import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  readonly component?: string;
  /** Where lines go; stderr by default so stdout stays free for the MCP stdio transport. */
  readonly destination?: DestinationStream;
}

/** JSON logs on stderr, one line per event, with the service and component on every line. */
export function createLogger({
  level = 'info',
  component = 'eaio',
  destination,
}: LoggerOptions = {}): Logger {
  return pino(
    { level, base: { service: 'eaio-stream', component }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
