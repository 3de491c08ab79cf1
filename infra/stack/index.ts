export { type ServiceName, StackError } from './errors.ts';
export { readStackEndpoints, stackDown, stackStatus, stackUp } from './stack.ts';
export type { ServiceStatus, StackEndpoints, StackOptions } from './types.ts';
