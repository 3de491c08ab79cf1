export type { BatchOutcome, ProjectorDeps } from './create-projector.ts';
export { createProjector } from './create-projector.ts';
