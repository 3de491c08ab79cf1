export type { PublishBuildingsOptions, PublishDeps } from './publish-events.ts';
export { publishBuildings, publishEvents, publishReadings } from './publish-events.ts';
