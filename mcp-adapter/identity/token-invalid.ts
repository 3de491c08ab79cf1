import { EaioError } from '../../infra/errors/index.ts';

/**
 * A bearer token refused: `TOKEN_INVALID` with the reason (expired, wrong audience, algorithm not
 * allowed, ...) in the message and `context.reason`. The reason is about the token, never the token.
 */
export function tokenInvalid(reason: string, cause?: unknown): EaioError {
  return new EaioError('TOKEN_INVALID', 'permanent', `Token refused: ${reason}`, {
    context: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Whether `error` is a refused token (see {@link tokenInvalid}). */
export function isTokenInvalid(error: unknown): error is EaioError {
  return error instanceof EaioError && error.code === 'TOKEN_INVALID';
}
