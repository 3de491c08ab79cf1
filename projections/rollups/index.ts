export type { RollupChange, RollupChanges } from './rollups-projection.ts';
export { evolveRollups, rollupKey, rollupsProjection } from './rollups-projection.ts';
