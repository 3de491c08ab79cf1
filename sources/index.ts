export type { Bdg1Building, RejectedRow } from './bdg1/index.ts';
export { BDG1_SAMPLE_URL, loadBdg1Sample, parseMetaOpen } from './bdg1/index.ts';
export type { DemoFeed, DemoFeedDeps, DemoMeter } from './demo-feed/index.ts';
export {
  demoMeters,
  demoReading,
  publishBuildings,
  publishReadings,
  startDemoFeed,
} from './demo-feed/index.ts';
