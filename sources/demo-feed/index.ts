export type { DemoMeter } from './demo-meters.ts';
export { demoMeters, demoReading, demoValue } from './demo-meters.ts';
export type { DemoFeed, DemoFeedDeps } from './run-demo-feed.ts';
export { publishBuildings, publishReadings, startDemoFeed } from './run-demo-feed.ts';
