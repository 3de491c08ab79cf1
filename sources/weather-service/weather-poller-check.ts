import type { HealthCheck } from '../../infra/health/index.ts';
import type { WeatherPoller } from './weather-poller.ts';

/**
 * A readiness check over the poller: it fails while a station's polls keep failing and its last
 * success (if any) is older than `staleAfterMs`, naming each such station with its last failure. A
 * single failed poll between successes does not fail it: the next poll retries.
 */
export function weatherPollerCheck(
  poller: Pick<WeatherPoller, 'status' | 'serviceStatus'>,
  { staleAfterMs, now = () => Date.now() }: { readonly staleAfterMs: number; readonly now?: () => number },
  name = 'weather-poller',
): HealthCheck {
  return {
    name,
    async check() {
      const stale = poller
        .status()
        .filter(
          (s) =>
            s.consecutiveFailures > 0 &&
            (s.lastSuccessAt === undefined || now() - s.lastSuccessAt.getTime() > staleAfterMs),
        );
      if (stale.length === 0) return;
      const circuit = poller.serviceStatus().circuit;
      const stations = stale
        .map(
          (s) =>
            `${s.stationId}: ${s.consecutiveFailures} failed polls, last success ${s.lastSuccessAt?.toISOString() ?? 'never'}, last failure: ${s.lastFailure ?? 'unknown'}`,
        )
        .join('; ');
      throw new Error(`${stations} (circuit ${circuit})`);
    },
  };
}
