import { EaioError } from '../errors/index.ts';
import type { HealthCheck } from './health-check.ts';
import { describeFailure } from './health-check.ts';

/**
 * Whether a component's writes are getting through: the outcome of its latest write. A dependency
 * can answer `SELECT 1` or a metadata request while refusing every write (a full disk), so the
 * writer itself says how its last attempt went.
 */
export interface WriteStatus {
  succeeded(): void;
  failed(error: unknown): void;
  /** The failure of the latest write and since when writes have failed; undefined while they succeed. */
  failing(): { readonly error: unknown; readonly since: Date } | undefined;
}

export function createWriteStatus(now: () => Date = () => new Date()): WriteStatus {
  let failure: { error: unknown; since: Date } | undefined;
  return {
    succeeded() {
      failure = undefined;
    },
    failed(error) {
      failure = { error, since: failure?.since ?? now() };
    },
    failing: () => failure,
  };
}

/**
 * Fails while the latest write failed, with that failure as the reason, e.g. `writes failing since
 * 2026-12-06T19:40:00.000Z: PostgreSQL is out of disk space: writes are refused until space is
 * freed (could not extend file ...)`.
 */
export function writeStatusCheck(status: WriteStatus, name: string): HealthCheck {
  return {
    name,
    async check() {
      const failure = status.failing();
      if (failure === undefined) return;
      // A coded error's message already names its cause; others are described with their causes.
      const reason =
        failure.error instanceof EaioError ? failure.error.message : describeFailure(failure.error);
      throw new Error(`writes failing since ${failure.since.toISOString()}: ${reason}`);
    },
  };
}
