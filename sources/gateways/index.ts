export type { Gateway, GatewayErrorCode, GatewayHealth, PointRead } from './gateway.ts';
export { GatewayError, MAX_PRIORITY, MIN_PRIORITY } from './gateway.ts';
