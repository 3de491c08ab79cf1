import type { CheckResult } from '../../../infra/health/index.ts';
import { freePort } from '../../../infra/stack/network.ts';
import { type EaioProcess, spawnEaio } from '../../support/spawn-eaio.ts';
import { waitFor } from '../../support/wait-for.ts';

/** What `/health/ready` answered: its HTTP status and each check. */
export interface ReadinessAnswer {
  readonly status: number;
  readonly checks: readonly CheckResult[];
}

/** GETs a process's `/health/ready` (`EAIO_HEALTH_ENABLED=true`); undefined while nothing answers. */
export async function readReadiness(baseUrl: string): Promise<ReadinessAnswer | undefined> {
  try {
    const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { checks?: CheckResult[] };
    return { status: response.status, checks: body.checks ?? [] };
  } catch {
    return undefined;
  }
}

/** The check named `name`, when the process answered and ran it. */
export function checkNamed(answer: ReadinessAnswer | undefined, name: string): CheckResult | undefined {
  return answer?.checks.find((c) => c.name === name);
}

/** The check named `name`, if it fails. */
export function failing(answer: ReadinessAnswer | undefined, name: string): CheckResult | undefined {
  const check = checkNamed(answer, name);
  return check !== undefined && !check.ok ? check : undefined;
}

/**
 * `eaio <args>` as a child serving `/health/ready` on a free port, once it answers there: it has
 * prepared the platform (topics, schemas, migrations) and started its consumers, so a fault the
 * scenario injects next meets it running, not starting.
 */
export async function startWithHealth(
  args: readonly string[],
  childEnv: Record<string, string>,
): Promise<{ readonly proc: EaioProcess; readonly health: string }> {
  const port = await freePort();
  const proc = spawnEaio(args, {
    ...childEnv,
    EAIO_HEALTH_ENABLED: 'true',
    EAIO_METRICS_HOST: '127.0.0.1',
    EAIO_METRICS_PORT: String(port),
  });
  const health = `http://127.0.0.1:${port}`;
  const what = `eaio ${args.join(' ')}`;
  try {
    await waitFor(
      `${what} serving /health/ready`,
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${what} exited`);
        return (await readReadiness(health)) ? true : undefined;
      },
      // Generous: a child takes a minute or more to start on a loaded two-core machine.
      { timeoutMs: 120_000, intervalMs: 250 },
    );
  } catch (error) {
    await proc.kill();
    throw new Error(`${(error as Error).message}\n${what} stderr:\n${proc.stderr().slice(-4_000)}`);
  }
  return { proc, health };
}

/** `eaio project` started by {@link startWithHealth}. */
export function startProjectorWithHealth(
  childEnv: Record<string, string>,
): Promise<{ readonly proc: EaioProcess; readonly health: string }> {
  return startWithHealth(['project'], childEnv);
}
