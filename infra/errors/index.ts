export type { EaioErrorOptions, ErrorCode, ErrorKind } from './eaio-error.ts';
export { EaioError, ERROR_CODES, isTransient } from './eaio-error.ts';
