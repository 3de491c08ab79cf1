import type { EaioConfig } from '../../infra/config/index.ts';
import {
  defaultResourceUri,
  ensureLocalSigningKey,
  localKeyDirOf,
  type McpHttpServerOptions,
  type MintedToken,
  mintToken,
  type Principal,
  principal,
  type Role,
  tokenKeysOf,
} from '../../mcp-adapter/index.ts';

/** The HTTP server's settings from the configuration: auth, allowed hosts and origins, limits. */
export async function mcpHttpSettings(
  config: EaioConfig,
): Promise<Omit<McpHttpServerOptions, 'factory' | 'logger'>> {
  const { mcp } = config;
  const auth: McpHttpServerOptions['auth'] =
    mcp.auth.mode === 'none'
      ? { mode: 'none' }
      : {
          mode: 'jwt',
          issuer: mcp.auth.issuer,
          ...(mcp.auth.audience === undefined ? {} : { audience: mcp.auth.audience }),
          algorithms: mcp.auth.algorithms,
          clockToleranceSeconds: mcp.auth.clockToleranceSeconds,
          keys: await tokenKeysOf(mcp.auth, config.stateDir),
        };
  return {
    host: mcp.host,
    port: mcp.port,
    auth,
    allowedHosts: mcp.allowedHosts,
    allowedOrigins: mcp.allowedOrigins,
    maxRequestBodyBytes: mcp.maxRequestBodyBytes,
    shutdownGraceMs: mcp.shutdownGraceMs,
  };
}

/** The principal of `eaio mcp --stdio` (and of HTTP with auth off): `mcp.stdio`. */
export function localPrincipalOf(config: EaioConfig): Principal {
  const { subject, role, tenant } = config.mcp.stdio;
  return principal(subject, role, tenant);
}

/** The audience of tokens for this configuration's server: `mcp.auth.audience`, else derived from host and port. */
export function mcpAudienceOf(config: EaioConfig): string {
  return config.mcp.auth.audience ?? defaultResourceUri(config.mcp.host, config.mcp.port);
}

/** What `eaio token issue` asks for. */
export interface LocalTokenRequest {
  readonly subject: string;
  readonly role: Role;
  readonly tenant?: string;
  readonly scope?: string;
  readonly ttlSeconds: number;
  /** The server's resource URI when it is known (a running server); else {@link mcpAudienceOf}. */
  readonly audience?: string;
}

/** A token signed by the local key (created once) with the configured issuer and audience. */
export async function issueLocalToken(
  config: EaioConfig,
  { audience: known, ...request }: LocalTokenRequest,
): Promise<MintedToken & { audience: string }> {
  const key = await ensureLocalSigningKey(localKeyDirOf(config.mcp.auth, config.stateDir));
  const audience = known ?? mcpAudienceOf(config);
  const minted = await mintToken(key, { ...request, issuer: config.mcp.auth.issuer, audience });
  return { ...minted, audience };
}
