import {
  getOAuthProtectedResourceMetadataUrl,
  type OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/server';
import { ALL_SCOPES } from '../access/index.ts';

/** The well-known paths the RFC 9728 document is served at for `resource`: path-aware, and the bare one. */
export function protectedResourceMetadataPaths(resource: URL): readonly string[] {
  const pathAware = new URL(getOAuthProtectedResourceMetadataUrl(resource)).pathname;
  return [...new Set([pathAware, '/.well-known/oauth-protected-resource'])];
}

/**
 * This server's Protected Resource Metadata (RFC 9728): its resource URI, the scopes it knows, that
 * tokens go in the `Authorization` header, and the issuer as its authorization server when the
 * issuer is an HTTP(S) URL a client can discover (the local issuer of `eaio token issue` is not).
 */
export function protectedResourceMetadata(resource: URL, issuer: string): OAuthProtectedResourceMetadata {
  const discoverable = /^https?:\/\//.test(issuer);
  return {
    resource: resource.href,
    ...(discoverable ? { authorization_servers: [issuer] } : {}),
    scopes_supported: [...ALL_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'EAIO Stream MCP server',
  };
}
