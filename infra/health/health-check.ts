/**
 * One readiness check: resolves when the dependency answers, throws (with a reason people can act
 * on) when it does not. `signal` aborts when the check has run out of time.
 */
export interface HealthCheck {
  readonly name: string;
  check(signal: AbortSignal): Promise<void>;
}

/** The outcome of one check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed: the dependency's own error, or that it did not answer in time. */
  readonly reason?: string;
  readonly durationMs: number;
}

/** Every check's outcome; `ok` only when all passed. */
export interface ReadinessReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

/** Error text with its causes, e.g. `fetch failed: connect ECONNREFUSED 127.0.0.1:1`. */
export function describeFailure(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0 && current.message === '') {
      current = current.errors[0];
      continue;
    }
    const text = current instanceof Error ? current.message : String(current);
    if (text && !parts.includes(text)) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'failed without a message';
}

/**
 * Runs the checks side by side, each bounded by `timeoutMs`: a dependency that hangs makes its
 * check fail with a timeout instead of holding the probe.
 */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  { timeoutMs = 2_000 }: { readonly timeoutMs?: number } = {},
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<CheckResult> => {
      const started = performance.now();
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // Rejected before aborting: the check's own abort error must not win the race.
          reject(new Error(`no answer within ${timeoutMs} ms`));
          controller.abort();
        }, timeoutMs);
      });
      const work = check(controller.signal);
      // The check may settle after its timeout has been reported; that late outcome is moot.
      work.catch(() => undefined);
      try {
        await Promise.race([work, timeout]);
        return { name, ok: true, durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        return {
          name,
          ok: false,
          reason: describeFailure(error),
          durationMs: Math.round(performance.now() - started),
        };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: results.every((r) => r.ok), checks: results };
}
