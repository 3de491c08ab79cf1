import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { createMetrics } from '../../infra/metrics/index.ts';
import {
  type BreakerStatus,
  classifyFailure,
  createCircuitBreakers,
  isNetworkFailure,
  retryTransient,
  transientBackoff,
  withRetry,
} from '../../infra/resilience/index.ts';

const refused = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const transient = (): EaioError => new EaioError('SINK_UNAVAILABLE', 'transient', 'sink down');
const poison = (): EaioError => new EaioError('EVENT_INVALID', 'poison', 'bad event');

/** A unit of work failing with `failures` in order, then answering `ok`; counts its calls. */
function scripted(failures: readonly unknown[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    work: async () => {
      const failure = failures[calls++];
      if (failure !== undefined) throw failure;
      return 'ok';
    },
  };
}

// Delays of at most 2 ms: the policies really wait, so the tests assert counts, never wall time.
const fast = { initialDelayMs: 1, maxDelayMs: 2 };

describe('retryTransient', () => {
  it('retries transient EAIO errors and raw network failures, then answers', async () => {
    const run = scripted([transient(), refused()]);
    await expect(retryTransient({ maxAttempts: 3, ...fast }).execute(run.work)).resolves.toBe('ok');
    expect(run.calls).toBe(3);
  });

  it('throws poison, permanent and statement errors at once', async () => {
    for (const error of [
      poison(),
      new EaioError('INVALID_ARGUMENT', 'permanent', 'no'),
      Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }),
    ]) {
      const run = scripted([error]);
      await expect(retryTransient({ maxAttempts: 5, ...fast }).execute(run.work)).rejects.toBe(error);
      expect(run.calls).toBe(1);
    }
  });

  it('makes exactly maxAttempts tries against a fault that stays, and throws the last one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), async (maxAttempts) => {
        const errors = Array.from({ length: 10 }, transient);
        const run = scripted(errors);
        const policy = retryTransient({ maxAttempts, initialDelayMs: 0, maxDelayMs: 0 });
        await expect(policy.execute(run.work)).rejects.toBe(errors[maxAttempts - 1]);
        expect(run.calls).toBe(maxAttempts);
      }),
      { numRuns: 20 },
    );
  });

  it('waits between tries with delays that stay within [0, maxDelayMs]', async () => {
    const delays: number[] = [];
    const policy = retryTransient({ maxAttempts: 6, ...fast });
    policy.onRetry(({ delay }) => delays.push(delay));
    await expect(policy.execute(scripted(Array.from({ length: 6 }, transient)).work)).rejects.toThrow();
    expect(delays).toHaveLength(5);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of delays) expect(d).toBeLessThanOrEqual(fast.maxDelayMs);
  });

  it('backoff: every delay is finite, non-negative and capped, however many attempts (decorrelated jitter)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 1, max: 60 }),
        (initialDelayMs, extra, steps) => {
          const maxDelayMs = initialDelayMs + extra;
          const context = {
            attempt: 1,
            signal: new AbortController().signal,
            result: { error: transient() },
          };
          let backoff = transientBackoff({ initialDelayMs, maxDelayMs }).next(context);
          for (let i = 0; i < steps; i++) {
            expect(Number.isFinite(backoff.duration)).toBe(true);
            expect(backoff.duration).toBeGreaterThanOrEqual(0);
            expect(backoff.duration).toBeLessThanOrEqual(maxDelayMs);
            backoff = backoff.next({ ...context, attempt: i + 2 });
          }
        },
      ),
    );
  });

  it('refuses settings that cannot bound anything', () => {
    expect(() => retryTransient({ maxAttempts: 0, ...fast })).toThrow(EaioError);
    expect(() => retryTransient({ maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 5 })).toThrow(/maxDelayMs/);
  });
});

describe('withRetry on the cockatiel policy', () => {
  const options = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

  it('numbers attempts from 1 and succeeds after transient faults', async () => {
    const seen: number[] = [];
    const answer = await withRetry(async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw transient();
      return attempt;
    }, options);
    expect(answer).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('throws a poison error on its first try, so the caller can dead-letter it without waiting', async () => {
    const run = scripted([poison()]);
    await expect(withRetry(run.work, options)).rejects.toMatchObject({ kind: 'poison' });
    expect(run.calls).toBe(1);
  });

  it('fails after `attempts` tries on a transient fault (the batch fails, nothing is committed)', async () => {
    const run = scripted(Array.from({ length: 10 }, transient));
    await expect(withRetry(run.work, options)).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE' });
    expect(run.calls).toBe(4);
  });

  it('leaves raw errors to the caller by default, as before', async () => {
    const run = scripted([refused()]);
    await expect(withRetry(run.work, options)).rejects.toThrow(/ECONNREFUSED/);
    expect(run.calls).toBe(1);
    const custom = scripted([refused()]);
    await expect(withRetry(custom.work, { ...options, retryable: isNetworkFailure })).resolves.toBe('ok');
    expect(custom.calls).toBe(2);
  });
});

describe('failure classification', () => {
  it('maps network failures of pg, ioredis, kafkajs and the registry client to transient EAIO errors', () => {
    const failures: unknown[] = [
      refused(),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
      Object.assign(new Error('Broker not available'), { name: 'KafkaJSBrokerNotFound', retriable: true }),
      Object.assign(new Error('Error, status 400: connect ECONNREFUSED 127.0.0.1:8081'), { status: 400 }),
      Object.assign(new Error('Error, status 503'), { status: 503 }),
      new AggregateError([refused(), refused()], ''),
      new Error('wrapped', { cause: refused() }),
    ];
    for (const failure of failures) {
      const mapped = classifyFailure('postgres', failure);
      expect(mapped).toBeInstanceOf(EaioError);
      expect(mapped).toMatchObject({
        code: 'DEPENDENCY_UNAVAILABLE',
        kind: 'transient',
        context: { dependency: 'postgres' },
        cause: failure,
      });
    }
  });

  it('leaves statement errors, registry 404s and EAIO errors as they are', () => {
    const unchanged: unknown[] = [
      Object.assign(new Error('syntax error'), { code: '42601' }),
      Object.assign(new Error('Error, status 404: Schema not found'), { status: 404 }),
      poison(),
      'a string',
    ];
    for (const error of unchanged) expect(classifyFailure('registry', error)).toBe(error);
  });
});

describe('circuit breakers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after N dependency failures, refuses calls without running them, then probes half-open and closes', async () => {
    // Only Date is faked: cockatiel reads Date.now to decide when an open circuit may probe.
    vi.useFakeTimers({ toFake: ['Date'] });
    const breakers = createCircuitBreakers({ postgres: { consecutiveFailures: 3, halfOpenAfterMs: 5_000 } });
    const changes: BreakerStatus['state'][] = [];
    breakers.onStateChange((s) => changes.push(s.state));
    const db = scripted([refused(), refused(), refused()]);
    for (let i = 0; i < 3; i++)
      await expect(breakers.postgres.execute(db.work)).rejects.toMatchObject({
        code: 'DEPENDENCY_UNAVAILABLE',
        kind: 'transient',
        context: { dependency: 'postgres' },
      });
    expect(breakers.postgres.status()).toMatchObject({
      state: 'open',
      lastFailure: expect.stringMatching(/ECONNREFUSED/),
    });

    const refusal = breakers.postgres.execute(db.work);
    await expect(refusal).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      kind: 'transient',
      context: { dependency: 'postgres', retryInMs: 5_000, circuit: 'open' },
    });
    await expect(refusal).rejects.toThrow(
      /PostgreSQL is unavailable \(circuit open after: .*ECONNREFUSED.*\); retry in 5 s/,
    );
    expect(db.calls).toBe(3);

    vi.setSystemTime(Date.now() + 4_999);
    await expect(breakers.postgres.execute(db.work)).rejects.toThrow(/retry in 1 s/);
    expect(db.calls).toBe(3);

    vi.setSystemTime(Date.now() + 1);
    await expect(breakers.postgres.execute(db.work)).resolves.toBe('ok');
    expect(db.calls).toBe(4);
    expect(changes).toEqual(['open', 'half-open', 'closed']);
    expect(breakers.breakerStates().map((s) => [s.dependency, s.state])).toEqual([
      ['postgres', 'closed'],
      ['redis', 'closed'],
      ['registry', 'closed'],
    ]);
  });

  it('a failed probe opens the circuit again for another period', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const breakers = createCircuitBreakers({ redis: { consecutiveFailures: 1, halfOpenAfterMs: 1_000 } });
    const changes: string[] = [];
    breakers.onStateChange((s) => changes.push(s.state));
    const cache = scripted([refused(), refused()]);
    await expect(breakers.redis.execute(cache.work)).rejects.toThrow(/Redis is unavailable/);
    vi.setSystemTime(Date.now() + 1_000);
    await expect(breakers.redis.execute(cache.work)).rejects.toThrow(/ECONNREFUSED/);
    expect(changes).toEqual(['open', 'half-open', 'open']);
    expect(breakers.redis.retryInMs()).toBe(1_000);
    expect(cache.calls).toBe(2);
  });

  it('does not count statement errors or poison against the dependency, and passes them unchanged', async () => {
    const breakers = createCircuitBreakers({ registry: { consecutiveFailures: 2 } });
    const notFound = Object.assign(new Error('Error, status 404: not found'), { status: 404 });
    for (let i = 0; i < 5; i++) {
      await expect(breakers.registry.execute(scripted([notFound]).work)).rejects.toBe(notFound);
      await expect(breakers.registry.execute(scripted([poison()]).work)).rejects.toMatchObject({
        kind: 'poison',
      });
    }
    expect(breakers.registry.status().state).toBe('closed');
  });

  it('counts a call that outlives its timeout as a failure of the dependency', async () => {
    const breakers = createCircuitBreakers({ postgres: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    const hang = () => new Promise<never>(() => undefined);
    for (let i = 0; i < 2; i++)
      await expect(breakers.postgres.execute(hang, { timeoutMs: 5 })).rejects.toThrow(
        /no answer within 5 ms/,
      );
    expect(breakers.postgres.status().state).toBe('open');
    const wrapped = breakers.postgres.wrap(async (x: number) => x * 2);
    await expect(wrapped(2)).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
  });

  it('exports each state as eaio_circuit_state{dependency}', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const metrics = createMetrics({ processMetrics: false });
    const breakers = createCircuitBreakers({ registry: { consecutiveFailures: 1 } });
    metrics.watchCircuitBreakers(breakers);
    await expect(breakers.registry.execute(scripted([refused()]).work)).rejects.toThrow();
    const text = await metrics.registry.getSingleMetricAsString('eaio_circuit_state');
    expect(text).toContain('eaio_circuit_state{dependency="postgres"} 0');
    expect(text).toContain('eaio_circuit_state{dependency="redis"} 0');
    expect(text).toContain('eaio_circuit_state{dependency="registry"} 1');
  });
});
