export type { Logger, LoggerOptions } from './create-logger.ts';
export { createLogger } from './create-logger.ts';
