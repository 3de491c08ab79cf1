export { type ServiceName, StackError, type StackErrorCode } from './errors.ts';
export { readStackEndpoints, stackDown, stackStatus, stackUp } from './stack.ts';
export type { ServiceStatus, StackEndpoints, StackOptions } from './types.ts';
