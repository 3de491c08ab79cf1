import { describe, expect, it } from 'vitest';
import { EaioError } from '../../../infra/errors/index.ts';
import { createWeatherCallPolicy, weatherPollerCheck } from '../../../sources/index.ts';

const OPTIONS = {
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  maxRetryAfterMs: 1_000,
  consecutiveFailures: 5,
  halfOpenAfterMs: 60_000,
  maxHalfOpenAfterMs: 120_000,
};

const transient = (context: Record<string, unknown> = {}) =>
  new EaioError('DEPENDENCY_UNAVAILABLE', 'transient', 'The weather service is unavailable (503)', {
    context: { dependency: 'weather-service', ...context },
  });
const malformed = () => new EaioError('WEATHER_RESPONSE_INVALID', 'permanent', 'bad body');

describe('the weather call policy', () => {
  it('retries transient failures, opens after five in a row, then fails at once without calling', async () => {
    const policy = createWeatherCallPolicy(OPTIONS);
    let calls = 0;
    const failing = async () => {
      calls++;
      throw transient();
    };
    await expect(policy.call(failing)).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(calls).toBe(3);
    await expect(policy.call(failing)).rejects.toMatchObject({ context: { circuit: 'open' } });
    expect(calls).toBe(5);
    expect(policy.status().circuit).toBe('open');
    const open = await policy.call(failing).catch((e: unknown) => e as EaioError);
    expect(calls).toBe(5);
    expect(open.message).toContain(
      'circuit open after repeated failures, the last: The weather service is unavailable (503)',
    );
  });

  it('neither retries nor counts a malformed body', async () => {
    const policy = createWeatherCallPolicy(OPTIONS);
    let calls = 0;
    for (let i = 0; i < 10; i++)
      await expect(
        policy.call(async () => {
          calls++;
          throw malformed();
        }),
      ).rejects.toMatchObject({ code: 'WEATHER_RESPONSE_INVALID' });
    expect(calls).toBe(10);
    expect(policy.status().circuit).toBe('closed');
  });

  it('leaves a Retry-After longer than it may wait to the next poll, and says until when', async () => {
    const policy = createWeatherCallPolicy(OPTIONS);
    let calls = 0;
    await expect(
      policy.call(async () => {
        calls++;
        throw transient({ status: 429, retryAfterMs: 60_000 });
      }),
    ).rejects.toMatchObject({ context: { status: 429 } });
    expect(calls).toBe(1);
    expect(policy.waitMs()).toBeGreaterThan(59_000);
    expect(policy.status().notBefore?.getTime()).toBeGreaterThan(Date.now() + 59_000);
  });
});

describe('weatherPollerCheck', () => {
  const at = (ms: number) => new Date(ms);
  const poller = (status: Parameters<typeof weatherPollerCheck>[0]['status']) => ({
    status,
    serviceStatus: () => ({ circuit: 'open' as const }),
  });

  it('passes while stations succeed or failed only lately, and fails naming a stale station', async () => {
    const now = () => 100_000;
    const healthy = weatherPollerCheck(
      poller(() => [
        { stationId: 'A', consecutiveFailures: 0, lastSuccessAt: at(99_000) },
        { stationId: 'B', consecutiveFailures: 2, lastSuccessAt: at(95_000), lastFailure: 'timeout' },
      ]),
      { staleAfterMs: 10_000, now },
    );
    await expect(healthy.check(AbortSignal.timeout(1_000))).resolves.toBeUndefined();
    const stale = weatherPollerCheck(
      poller(() => [
        { stationId: 'B', consecutiveFailures: 7, lastSuccessAt: at(80_000), lastFailure: 'timeout' },
      ]),
      { staleAfterMs: 10_000, now },
    );
    await expect(stale.check(AbortSignal.timeout(1_000))).rejects.toThrow(
      'B: 7 failed polls, last success 1970-01-01T00:01:20.000Z, last failure: timeout (circuit open)',
    );
  });
});
