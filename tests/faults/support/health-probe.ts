/** One dependency check as `/health/ready` reports it. */
export interface ReadyCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

/** What a process's `/health/ready` answered: the status code and its checks. */
export interface ReadyAnswer {
  readonly status: number;
  readonly checks: readonly ReadyCheck[];
}

/** GETs `<base>/health/ready` of an `eaio` process started with `EAIO_HEALTH_ENABLED=true`. */
export async function readReadiness(base: string): Promise<ReadyAnswer> {
  const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { checks?: ReadyCheck[] };
  return { status: response.status, checks: body.checks ?? [] };
}

/** The named check of an answer, when the process ran it. */
export function checkNamed(answer: ReadyAnswer, name: string): ReadyCheck | undefined {
  return answer.checks.find((c) => c.name === name);
}
