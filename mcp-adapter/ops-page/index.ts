export type { BuildingSeries } from './building-series.ts';
export { buildingSeries } from './building-series.ts';
export type {
  OpsPageAuth,
  OpsPageReads,
  OpsPageServerOptions,
  RunningOpsPageServer,
} from './ops-page-server.ts';
export { startOpsPageServer } from './ops-page-server.ts';
export type { AccessTokenVerifier } from './sign-in.ts';
export { isPipelineAdmin, TOKEN_COOKIE } from './sign-in.ts';
export type { TopicRates } from './topic-rates.ts';
export { createTopicRates } from './topic-rates.ts';
