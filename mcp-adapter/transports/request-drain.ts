import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../infra/logging/index.ts';

/** Counts the requests in flight so a shutdown can wait for them. */
export interface RequestDrain {
  /**
   * Admits a request (counted until its response closes), or, once draining, answers it `503` with
   * `Connection: close` and returns false.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops admitting; resolves when every admitted request has finished or `graceMs` has passed. */
  drain(): Promise<void>;
}

export function createRequestDrain(graceMs: number, logger: Logger): RequestDrain {
  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  return {
    admit(_req, res) {
      if (draining) {
        res
          .writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' })
          .end(JSON.stringify({ error: 'shutting down' }));
        return false;
      }
      inFlight += 1;
      res.once('close', () => {
        inFlight -= 1;
        if (inFlight === 0) drained?.();
      });
      return true;
    },
    async drain() {
      draining = true;
      if (inFlight === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          drained = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({ inFlight, graceMs }, 'mcp shutdown grace over; closing calls still in flight');
            resolve();
          }, graceMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
