import { type EaioProcess, spawnEaio } from '../../support/spawn-eaio.ts';
import type { TestPlatform } from '../../support/test-platform.ts';
import { waitFor } from '../../support/wait-for.ts';
import { childrenLog, writeFaultLog } from './ledger.ts';

/**
 * The `eaio` children of a scenario that kills and restarts them: every life it started, so
 * `afterAll` can end them all (also on a failure) and keep their logs for reading after the fact.
 */
export class Lives {
  readonly #all: { readonly label: string; readonly process: EaioProcess }[] = [];

  constructor(readonly env: Record<string, string>) {}

  /** Starts `eaio <args>`; `label` names it in the log file. */
  spawn(label: string, args: readonly string[]): EaioProcess {
    const process = spawnEaio(args, this.env);
    this.#all.push({ label, process });
    return process;
  }

  get count(): number {
    return this.#all.length;
  }

  /** SIGKILLs every life still running. */
  async killAll(): Promise<void> {
    await Promise.all(this.#all.map(({ process }) => process.kill()));
  }

  /** Every life's arguments, end and output, as `<results dir>/<name>`. */
  async writeLog(name: string): Promise<void> {
    await writeFaultLog(
      name,
      childrenLog(
        this.#all.map((l) => l.process),
        this.#all.map((l) => l.label),
      ),
    );
  }
}

/**
 * Waits for a life to SIGKILL itself at its failpoint. Fails, with its log, when it ends any other
 * way (a crash is not the fault under test) or does not get there in time.
 */
export async function diedByFailpoint(life: EaioProcess, what: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `${what} to reach its failpoint`,
    async () => {
      if (life.child.signalCode === 'SIGKILL') return true;
      if (life.child.exitCode !== null)
        throw new Error(
          `${what} exited with ${life.child.exitCode} instead:\n${life.stderr().slice(-3_000)}`,
        );
      return undefined;
    },
    { timeoutMs, intervalMs: 200 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${life.stderr().slice(-3_000)}`);
  });
}

/** The offsets a consumer group committed on a topic, summed over its partitions (none counts 0). */
export async function committedTotal(
  platform: TestPlatform,
  groupId: string,
  topic: string,
): Promise<bigint> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (committed?.partitions ?? []).reduce(
      (sum, p) => sum + (p.offset === '-1' ? 0n : BigInt(p.offset)),
      0n,
    );
  } finally {
    await admin.disconnect();
  }
}

/** A consumer group's state and member count as the coordinator describes it. */
export async function describeGroup(
  platform: TestPlatform,
  groupId: string,
): Promise<{ readonly state: string; readonly members: number }> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return { state: group?.state ?? 'Unknown', members: group?.members.length ?? 0 };
  } finally {
    await admin.disconnect();
  }
}
