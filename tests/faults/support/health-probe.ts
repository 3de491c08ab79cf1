import type { CheckResult } from '../../../infra/health/index.ts';

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
