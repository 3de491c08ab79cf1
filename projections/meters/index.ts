export type { ControlPointRow, MeterRow, MetersChanges } from './meters-projection.ts';
export { evolveMeters, isLaterPosition, mergeMetersChanges, metersProjection } from './meters-projection.ts';
