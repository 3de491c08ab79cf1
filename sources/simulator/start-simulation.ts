import type { PublishDeps } from '../publish/index.ts';
import { runSimulation, type SimulationSettings, type SimulationSummary } from './simulation.ts';

/** A simulation running in the background, as `npm start` runs it. */
export interface RunningSimulation {
  /** Settles when the simulation ends by itself (a stop condition) or fails. */
  readonly done: Promise<SimulationSummary>;
  /** Stops it and resolves with what it produced, once the last batch is sent. */
  stop(): Promise<SimulationSummary>;
}

/** Starts {@link runSimulation} without waiting for it; `stop()` aborts it between steps. */
export function startSimulation(
  deps: PublishDeps,
  settings: Omit<SimulationSettings, 'signal'>,
): RunningSimulation {
  const abort = new AbortController();
  const done = runSimulation(deps, { ...settings, signal: abort.signal });
  return {
    done,
    async stop() {
      abort.abort();
      return done;
    },
  };
}
