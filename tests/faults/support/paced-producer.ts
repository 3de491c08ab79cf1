import { setTimeout as delay } from 'node:timers/promises';
import type { PublishDeps } from '../../../sources/index.ts';
import { hourlyReadings } from '../../support/readings.ts';
import type { AckLedger } from './ledger.ts';

/** A producer loop of a fault scenario: one send after another through the ledger until stopped. */
export interface PacedProducer {
  /** Sends that failed (recorded unacknowledged in the ledger), in order. */
  readonly errors: readonly Error[];
  /** Ends the loop after the send in flight; resolves once it has. */
  stop(): Promise<void>;
}

/**
 * Sends `perSend` readings of `meters` meters every `paceMs`, each send a building of its own
 * (`<prefix>-b<n>`) so the readings table's key (meter, hour) never repeats, until `stop()`.
 */
export function startPacedProducer(
  ledger: AckLedger,
  deps: PublishDeps,
  opts: {
    readonly prefix: string;
    readonly meters: number;
    readonly perSend: number;
    readonly paceMs: number;
  },
): PacedProducer {
  const errors: Error[] = [];
  let producing = true;
  const loop = (async () => {
    for (let n = 0; producing; n++) {
      const readings = hourlyReadings(`${opts.prefix}-b${n}`, opts.meters, opts.perSend / opts.meters);
      errors.push(...(await ledger.publish(deps, readings, opts.perSend)));
      await delay(opts.paceMs);
    }
  })();
  return {
    errors,
    async stop() {
      producing = false;
      await loop;
    },
  };
}
