import type { KeyObject } from 'node:crypto';
import {
  type AuthInfo,
  OAuthError,
  OAuthErrorCode,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTVerifyGetKey,
  jwtVerify,
  type RemoteJWKSet,
} from 'jose';
import type { TokenAlgorithm } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import { grantOf, type TokenGrant } from './token-claims.ts';
import { isTokenInvalid, tokenInvalid } from './token-invalid.ts';

/** Where the keys that sign trusted tokens come from. */
export type TokenKeys =
  | {
      /** The identity provider's JWKS, fetched on demand, cached, refetched for an unknown `kid`. */
      readonly kind: 'jwks';
      readonly url: URL;
      /** Least time between two fetches caused by unknown keys; jose's 30 s by default. */
      readonly cooldownMs?: number;
      /** How long fetched keys are used before the set is fetched again; jose's 10 min by default. */
      readonly cacheMaxAgeMs?: number;
      /** Timeout of one fetch; jose's 5 s by default. */
      readonly timeoutMs?: number;
    }
  | {
      /** One public key: a configured PEM, or the local key of `eaio token issue`. */
      readonly kind: 'public-key';
      readonly key: KeyObject | CryptoKey | JWK;
      /** Where it came from (a path), for logs and errors. */
      readonly source: string;
    };

export interface JwtVerifierOptions {
  /** The `iss` a token must carry. */
  readonly issuer: string;
  /** This server's resource URI, which the token's `aud` must contain (RFC 8707). */
  readonly audience: string;
  /** The JWS algorithms accepted; asymmetric only (the config allows no other). */
  readonly algorithms: readonly TokenAlgorithm[];
  /** Clock skew allowed on `exp` and `nbf`, seconds. */
  readonly clockToleranceSeconds?: number;
  readonly keys: TokenKeys;
}

/** A token that passed verification. */
export interface VerifiedToken extends TokenGrant {
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
  /** The OAuth client the token was issued to (`client_id`, `azp`), or its subject. */
  readonly clientId: string;
}

/**
 * Verifies bearer JWTs for this resource server: signature by a trusted key with an allowed
 * algorithm, `iss`, `aud` (this server's resource URI), `exp` required, `nbf` honoured, then the
 * principal claims. Also the SDK's `OAuthTokenVerifier`, whose refusals the bearer-auth helpers turn
 * into `401 invalid_token` challenges.
 */
export interface JwtVerifier extends OAuthTokenVerifier {
  /**
   * The verified grant of `token`. Throws `TOKEN_INVALID` with the reason, or
   * `DEPENDENCY_UNAVAILABLE` when the identity provider's keys cannot be fetched.
   */
  verify(token: string): Promise<VerifiedToken>;
  /** The same verification as the SDK's {@link AuthInfo}: scopes, expiry, resource and, in `extra`, the principal claims. */
  verifyAccessToken(token: string): Promise<AuthInfo>;
}

function claimFailure(error: errors.JWTClaimValidationFailed): string {
  switch (error.claim) {
    case 'aud':
      return 'it was not issued for this server (audience)';
    case 'iss':
      return 'its issuer is not trusted';
    case 'nbf':
      return 'it is not valid yet (nbf)';
    case 'exp':
      return 'it has no expiry (exp)';
    case 'sub':
      return 'the `sub` claim is missing';
    default:
      return `the \`${error.claim}\` claim is ${error.reason === 'missing' ? 'missing' : 'invalid'}`;
  }
}

function algorithmOf(token: string): string {
  try {
    return String(decodeProtectedHeader(token).alg);
  } catch {
    return 'unknown';
  }
}

/** A jose failure as a typed error: the token's fault (TOKEN_INVALID), or the key source's. */
function refusal(error: unknown, token: string, keys: TokenKeys): EaioError {
  if (isTokenInvalid(error)) return error;
  if (error instanceof errors.JOSEError) {
    switch (error.code) {
      case 'ERR_JWT_EXPIRED':
        return tokenInvalid('it has expired', error);
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
        return tokenInvalid(claimFailure(error as errors.JWTClaimValidationFailed), error);
      case 'ERR_JOSE_ALG_NOT_ALLOWED':
        return tokenInvalid(`its algorithm '${algorithmOf(token)}' is not allowed`, error);
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return tokenInvalid('its signature does not verify', error);
      case 'ERR_JWKS_NO_MATCHING_KEY':
        return tokenInvalid('no trusted key matches it (kid, alg)', error);
      case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
        return tokenInvalid('several trusted keys match it and it names none (kid)', error);
      case 'ERR_JWS_INVALID':
      case 'ERR_JWT_INVALID':
      case 'ERR_JOSE_NOT_SUPPORTED':
        return tokenInvalid(`it is malformed (${error.message})`, error);
      default:
        break;
    }
  }
  if (keys.kind === 'jwks') {
    // Timeouts, non-200 answers, unparsable sets, refused connections: the keys are unknown, not the token bad.
    return new EaioError(
      'DEPENDENCY_UNAVAILABLE',
      'transient',
      `The identity provider's keys could not be fetched from ${keys.url.href}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, context: { dependency: 'jwks', retryInMs: 5_000 } },
    );
  }
  // A static key of another type than the token's algorithm (an RSA key for an ES256 token, ...).
  return tokenInvalid(`the trusted key cannot verify its algorithm '${algorithmOf(token)}'`, error);
}

/** The jose key argument for `keys`: a cached remote set, or the one key. */
function keyResolver(keys: TokenKeys): RemoteJWKSet | KeyObject | CryptoKey | JWK {
  if (keys.kind === 'public-key') return keys.key;
  return createRemoteJWKSet(keys.url, {
    ...(keys.cooldownMs === undefined ? {} : { cooldownDuration: keys.cooldownMs }),
    ...(keys.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: keys.cacheMaxAgeMs }),
    ...(keys.timeoutMs === undefined ? {} : { timeoutDuration: keys.timeoutMs }),
  });
}

/** Builds the {@link JwtVerifier} of one resource server. */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const key = keyResolver(options.keys);
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: [...options.algorithms],
    clockTolerance: options.clockToleranceSeconds ?? 0,
    requiredClaims: ['exp', 'sub'],
  };
  const resource = new URL(options.audience);

  async function verify(token: string): Promise<VerifiedToken> {
    try {
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key as JWTVerifyGetKey, verifyOptions)
          : await jwtVerify(token, key, verifyOptions);
      const grant = grantOf(payload);
      const { client_id: clientId, azp } = payload as Record<string, unknown>;
      return {
        ...grant,
        // `requiredClaims` made `exp` present and jose checked it is a number.
        expiresAt: payload.exp as number,
        clientId:
          typeof clientId === 'string' ? clientId : typeof azp === 'string' ? azp : grant.claims.subject,
      };
    } catch (error) {
      throw refusal(error, token, options.keys);
    }
  }

  return {
    verify,
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      let verified: VerifiedToken;
      try {
        verified = await verify(token);
      } catch (error) {
        if (isTokenInvalid(error)) {
          const refused = new OAuthError(OAuthErrorCode.InvalidToken, error.message);
          // Keeps the typed error for whoever logs the refusal.
          Object.defineProperty(refused, 'cause', { value: error });
          throw refused;
        }
        throw error;
      }
      return {
        token,
        clientId: verified.clientId,
        scopes: [...verified.scopes],
        expiresAt: verified.expiresAt,
        resource,
        extra: { ...verified.claims },
      };
    },
  };
}
