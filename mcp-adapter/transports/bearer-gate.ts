import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  OAuthError,
  OAuthErrorCode,
  type OAuthTokenVerifier,
  verifyBearerToken,
} from '@modelcontextprotocol/server';
import { EaioError } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import { isScope, SCOPES } from '../access/index.ts';

export interface BearerGateOptions {
  readonly verifier: OAuthTokenVerifier;
  /** This server's resource URI: a token's `resource` (its audience) must equal it. */
  readonly resource: URL;
  /** The RFC 9728 metadata document's URL, named in every challenge. */
  readonly resourceMetadataUrl: string;
  readonly logger: Logger;
}

/** Quotes an auth-param value as RFC 9110 quoted-string. */
const quoted = (value: string) => `"${value.replaceAll(/[\\"]/g, '\\$&')}"`;

/**
 * The answer to a request without credentials: 401 and a challenge naming the metadata document
 * and no error code (RFC 6750 §3.1: a request that tried nothing is not told about errors).
 */
function missingTokenResponse(resourceMetadataUrl: string): Response {
  return Response.json(
    {
      error: 'unauthorized',
      error_description: 'This MCP server needs a bearer token: Authorization: Bearer <token>',
    },
    {
      status: 401,
      headers: { 'WWW-Authenticate': `Bearer resource_metadata=${quoted(resourceMetadataUrl)}` },
    },
  );
}

/**
 * Verifies the `Authorization` header of one request: the verified `AuthInfo` (with the token itself
 * left out, so nothing past the gate can forward it), or the response that refuses the request:
 * 401 with a `WWW-Authenticate` challenge (error and description for a bad token), 403
 * `insufficient_scope` for a token that grants none of this server's scopes, 503 when the identity
 * provider's keys cannot be fetched.
 */
export function createBearerGate({ verifier, resource, resourceMetadataUrl, logger }: BearerGateOptions) {
  return async (authorization: string | undefined): Promise<AuthInfo | Response> => {
    if (authorization === undefined || authorization.trim() === '')
      return missingTokenResponse(resourceMetadataUrl);
    let auth: AuthInfo;
    try {
      auth = await verifyBearerToken(authorization, {
        verifier,
        expectedResource: resource,
        resourceMetadataUrl,
      });
    } catch (error) {
      if (error instanceof EaioError && error.code === 'DEPENDENCY_UNAVAILABLE') {
        logger.warn({ err: error }, 'bearer token not verified: identity provider keys unavailable');
        return Response.json(
          { error: 'temporarily_unavailable', error_description: error.message },
          { status: 503, headers: { 'Retry-After': '5' } },
        );
      }
      logger.debug(
        { reason: error instanceof Error ? error.message : String(error) },
        'bearer token refused',
      );
      return bearerAuthChallengeResponse(error, { resourceMetadataUrl });
    }
    if (!auth.scopes.some(isScope)) {
      logger.debug({ clientId: auth.clientId, scopes: auth.scopes }, 'bearer token grants no MCP scope');
      return bearerAuthChallengeResponse(
        new OAuthError(OAuthErrorCode.InsufficientScope, "The token grants none of this server's scopes"),
        { requiredScopes: [SCOPES.energyRead], resourceMetadataUrl },
      );
    }
    return { ...auth, token: '' };
  };
}
