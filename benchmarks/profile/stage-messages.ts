import type { EaioConfig } from '../../infra/config/index.ts';
import type { StackEndpoints } from '../../infra/stack/index.ts';

/** What the parent sends a stage's child process: which stage to run on which isolated run, then when to stop. */
export type ToStage =
  | {
      readonly type: 'run';
      readonly id: string;
      readonly stage: string;
      readonly config: EaioConfig;
      readonly endpoints: StackEndpoints;
    }
  | { readonly type: 'stop' };

/** Now in the clock of V8's CPU profiles (monotonic microseconds, as `process.hrtime`). */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** What a stage's child reports: starting the stage (the clock and the profile window start), consuming in a group, and stopped with its figures. */
export type FromStage =
  | { readonly type: 'connecting'; readonly atUs: number }
  | { readonly type: 'running'; readonly groupId: string }
  | {
      readonly type: 'stopped';
      /** When the stop arrived, in the profile's clock: the end of the stage's window. */
      readonly stopAtUs: number;
      readonly maxRssBytes: number;
      readonly projected: number;
    }
  | { readonly type: 'failed'; readonly message: string };
