export type { DemoMeter } from './demo-meters.ts';
export { demoMeters, demoReading } from './demo-meters.ts';
export type { DemoFeed, DemoFeedDeps } from './run-demo-feed.ts';
export { publishBuildings, publishReadings, startDemoFeed } from './run-demo-feed.ts';
