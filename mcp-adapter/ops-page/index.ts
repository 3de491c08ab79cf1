export type {
  OpsPageAuth,
  OpsPageReads,
  OpsPageServerOptions,
  RunningOpsPageServer,
} from './ops-page-server.ts';
export { startOpsPageServer } from './ops-page-server.ts';
export type { AccessTokenVerifier } from './sign-in.ts';
export { TOKEN_COOKIE } from './sign-in.ts';
