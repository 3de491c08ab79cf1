import type { EaioConfig } from '../../infra/config/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import {
  createJwtVerifier,
  type OpsPageAuth,
  type RunningOpsPageServer,
  startOpsPageServer,
  tokenKeysOf,
} from '../../mcp-adapter/index.ts';
import { createQueryLayer } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';
import { localPrincipalOf, mcpAudienceOf } from './mcp-identity.ts';
import { createPlatformPipelineAdmin } from './pipeline-admin.ts';

/** Who may sign in to the page: holders of tokens for `audience` (the MCP server's resource URI), as on MCP. */
export async function opsPageAuthOf(config: EaioConfig, audience?: string): Promise<OpsPageAuth> {
  const { auth } = config.mcp;
  if (auth.mode === 'none') return { mode: 'none', principal: localPrincipalOf(config) };
  return {
    mode: 'token',
    verifier: createJwtVerifier({
      issuer: auth.issuer,
      audience: audience ?? mcpAudienceOf(config),
      algorithms: auth.algorithms,
      clockToleranceSeconds: auth.clockToleranceSeconds,
      keys: await tokenKeysOf(auth, config.stateDir),
    }),
  };
}

/** The page as a process runs it: its address, or why it is not served. */
export interface PlatformOpsPage {
  readonly url: string | undefined;
  /** Why there is no page, when there is none: off by config, or its port taken. */
  readonly notServed?: string;
  close(): Promise<void>;
}

/**
 * The operations page of `eaio start` and `eaio mcp --http` (`opsPage` config section), over the
 * platform's query layer and pipeline port, signed in with the tokens of the MCP server whose
 * resource URI is `audience`. Off by `opsPage.enabled: false`; a taken port is logged as a warning
 * and leaves the platform running without the page.
 */
export async function startPlatformOpsPage(
  platform: Platform,
  { audience, logger }: { readonly audience?: string | undefined; readonly logger: Logger },
): Promise<PlatformOpsPage> {
  const { config } = platform;
  const none = async () => undefined;
  if (!config.opsPage.enabled)
    return { url: undefined, notServed: 'off (opsPage.enabled=false)', close: none };
  const queries = createQueryLayer({ ...platform, logger: logger.child({ component: 'query-layer' }) });
  let server: RunningOpsPageServer;
  try {
    server = await startOpsPageServer({
      host: config.opsPage.host,
      port: config.opsPage.port,
      refreshSeconds: config.opsPage.refreshSeconds,
      allowedHosts: config.mcp.allowedHosts,
      auth: await opsPageAuthOf(config, audience),
      reads: { ...queries, pipeline: createPlatformPipelineAdmin(platform) },
      logger,
    });
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EADDRINUSE')) throw error;
    const where = `${config.opsPage.host}:${config.opsPage.port}`;
    logger.warn({ err: error }, `operations page not served: ${where} is taken (set opsPage.port)`);
    return {
      url: undefined,
      notServed: `not served: ${where} is taken (set opsPage.port, e.g. EAIO_OPS_PAGE_PORT=0)`,
      close: none,
    };
  }
  return { url: server.url, close: () => server.close() };
}
