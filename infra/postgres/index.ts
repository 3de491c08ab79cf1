export type { PoolOptions } from './create-pool.ts';
export { createPool } from './create-pool.ts';
