import { type EaioProcess, spawnEaio } from '../../support/spawn-eaio.ts';
import { waitFor } from '../../support/wait-for.ts';

/**
 * The `eaio` child processes of one scenario: started through it, so that `killAll` in `afterAll`
 * ends every one of them whatever happened, and their stderr is at hand for a failure message.
 */
export class ChildFleet {
  readonly #all: EaioProcess[] = [];

  constructor(readonly env: Record<string, string>) {}

  spawn(args: readonly string[]): EaioProcess {
    const child = spawnEaio(args, this.env);
    this.#all.push(child);
    return child;
  }

  /** Children that have not exited. */
  get live(): EaioProcess[] {
    return this.#all.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  }

  /** SIGTERM and wait for a clean exit, SIGKILL after `graceMs`: a member leaving the group politely. */
  async stop(p: EaioProcess, graceMs = 20_000): Promise<'clean' | 'killed'> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return 'clean';
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    await p.exited();
    clearTimeout(timer);
    return p.child.signalCode === 'SIGKILL' ? 'killed' : 'clean';
  }

  async killAll(): Promise<void> {
    await Promise.all(this.#all.map((p) => p.kill()));
  }

  /** Resolves once `p` has SIGKILLed itself (a failpoint fired); fails with its stderr otherwise. */
  static async selfKilled(p: EaioProcess, what: string, timeoutMs = 90_000): Promise<void> {
    await waitFor(what, async () => (p.child.signalCode === 'SIGKILL' ? true : undefined), {
      timeoutMs,
      intervalMs: 100,
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${p.stderr()}`);
    });
  }

  /** The end of every child's stderr (`chars` of each), named by its arguments, for a failure message or a log. */
  tails(chars = 2_000): string {
    return this.#all
      .map((p) => `--- ${p.child.spawnargs.slice(2).join(' ')}\n${p.stderr().slice(-chars)}`)
      .join('\n');
  }
}
