export type { HttpRequestLimiter, HttpRequestLimiterOptions } from './http-request-limiter.ts';
export { createHttpRequestLimiter, httpClientOf } from './http-request-limiter.ts';
export type { RateLimitSettings, RateLimitSource, RateLimitWindows } from './rate-limit-settings.ts';
export { DEFAULT_RATE_LIMIT_WINDOWS } from './rate-limit-settings.ts';
export type { RedisToolCallLimiterOptions } from './tool-call-rate-limiter.ts';
export { createRedisToolCallLimiter, RateLimitsUnavailableError } from './tool-call-rate-limiter.ts';
