import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SensorReading } from '../../../schemas/index.ts';
import { type PublishDeps, publishReadings } from '../../../sources/index.ts';
import type { EaioProcess } from '../../support/spawn-eaio.ts';

/** Anything that answers SQL: a `pg` pool or client already pointed at the test's schema. */
export interface Queryable {
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** How big a fault run is: `ci` (bounded, the default) or `full` (`FAULTS_SIZE=full`). */
export type FaultSize = 'ci' | 'full';

export function faultSize(): FaultSize {
  return process.env.FAULTS_SIZE === 'full' ? 'full' : 'ci';
}

/** The CI-sized value, or the full-sized one under `FAULTS_SIZE=full`. */
export function sized<T>(ci: T, full: T): T {
  return faultSize() === 'full' ? full : ci;
}

/** One scenario's figures, as written to `FAULTS_RESULTS_DIR` and tabled in docs/reliability.md. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly size: FaultSize;
  /** Events the broker acknowledged to a producer (the send promise resolved). */
  readonly acknowledged: number;
  /** Sends that failed or timed out: the producer was told nothing landed, so none may count as lost. */
  readonly unacknowledged: number;
  /** Acknowledged events missing from the read model at the end. */
  readonly lost: number;
  /** Read-model rows beyond one per event id. */
  readonly duplicated: number;
  /** Poison records sent, and those found dead-lettered with the expected reason. */
  readonly poisonSent: number;
  readonly deadLettered: number;
  /** From the fault's end to the read models holding every acknowledged event, and the stated bound. */
  readonly recoveryMs: number | null;
  readonly recoveryLimitMs: number;
  /** The command that reproduces the run. */
  readonly reproduce: string;
  readonly notes?: readonly string[];
}

/** What `checkReadings` found in the `readings` table against the acknowledged event ids. */
export interface ReadingsCheck {
  readonly rows: number;
  readonly lost: readonly string[];
  readonly duplicated: number;
  /** Rows whose event was never acknowledged: allowed (a timed-out send may still land), reported. */
  readonly unacknowledgedStored: number;
}

/**
 * The ledger of a fault scenario: the event ids the broker acknowledged, the sends it did not, and
 * the poison records sent with the reason their dead letter must give. Checked against the read
 * models at the end: an acknowledged event is owed exactly once, an unacknowledged one at most once.
 */
export class AckLedger {
  readonly #acked = new Set<string>();
  readonly #unacked = new Set<string>();
  readonly #poison = new Map<string, RegExp>();

  constructor(readonly scenario: string) {}

  get acknowledged(): ReadonlySet<string> {
    return this.#acked;
  }

  get unacknowledged(): ReadonlySet<string> {
    return this.#unacked;
  }

  /** Poison record keys (event id or another key the letter carries) and the reason each must give. */
  get poison(): ReadonlyMap<string, RegExp> {
    return this.#poison;
  }

  recordAcked(eventIds: Iterable<string>): void {
    for (const id of eventIds) {
      this.#unacked.delete(id);
      this.#acked.add(id);
    }
  }

  recordUnacked(eventIds: Iterable<string>): void {
    for (const id of eventIds) if (!this.#acked.has(id)) this.#unacked.add(id);
  }

  recordPoison(key: string, reason: RegExp): void {
    this.#poison.set(key, reason);
  }

  /**
   * Publishes readings in chunks and records each chunk by its outcome. A failed chunk is recorded
   * as unacknowledged and its error returned (not thrown), so a producer loop keeps going through
   * a fault the way a source retrying later would.
   */
  async publish(deps: PublishDeps, readings: readonly SensorReading[], chunk = 500): Promise<Error[]> {
    const errors: Error[] = [];
    for (let i = 0; i < readings.length; i += chunk) {
      const slice = readings.slice(i, i + chunk);
      try {
        await publishReadings(deps, slice);
        this.recordAcked(slice.map((r) => r.eventId));
      } catch (error) {
        this.recordUnacked(slice.map((r) => r.eventId));
        errors.push(error as Error);
      }
    }
    return errors;
  }

  /** Compares the `readings` table with the ledger: every acknowledged event once, nothing twice. */
  async checkReadings(db: Queryable): Promise<ReadingsCheck> {
    const { rows } = await db.query<{ event_id: string; n: string }>(
      'SELECT event_id, count(*) AS n FROM readings GROUP BY event_id',
    );
    const stored = new Map(rows.map((r) => [r.event_id, Number(r.n)]));
    let total = 0;
    let duplicated = 0;
    let unacknowledgedStored = 0;
    for (const [id, n] of stored) {
      total += n;
      duplicated += n - 1;
      if (!this.#acked.has(id)) unacknowledgedStored++;
    }
    const lost = [...this.#acked].filter((id) => !stored.has(id));
    return { rows: total, lost, duplicated, unacknowledgedStored };
  }

  /**
   * Matches dead letters (key and reason as the letter gives them) with the poison sent: returns the
   * poison keys with no letter giving the expected reason.
   */
  unmatchedPoison(letters: Iterable<{ readonly key: string; readonly reason: string }>): string[] {
    const byKey = new Map<string, string[]>();
    for (const l of letters) byKey.set(l.key, [...(byKey.get(l.key) ?? []), l.reason]);
    return [...this.#poison]
      .filter(([key, reason]) => !(byKey.get(key) ?? []).some((r) => reason.test(r)))
      .map(([key]) => key);
  }
}

/** Where scenario results go: `FAULTS_RESULTS_DIR`, or `.artifacts/faults` in the checkout. */
export function faultResultsDir(): string {
  return process.env.FAULTS_RESULTS_DIR ?? join(process.cwd(), '.artifacts', 'faults');
}

/** The command that reruns a scenario file at the size of this run. */
export function reproduceCommand(file: string): string {
  return `${faultSize() === 'full' ? 'FAULTS_SIZE=full ' : ''}npx vitest run ${file}`;
}

/** Writes `text` as `name` beside the results, for reading a failure (or a recovery) after the fact. */
export async function writeFaultLog(name: string, text: string): Promise<void> {
  await mkdir(faultResultsDir(), { recursive: true });
  await writeFile(join(faultResultsDir(), name), text);
}

/** The children's output, each under its label (its `eaio` arguments by default) and how it ended. */
export function childrenLog(children: readonly EaioProcess[], labels: readonly string[] = []): string {
  return children
    .map((p, i) => {
      const args = `eaio ${p.child.spawnargs.slice(2).join(' ')}`;
      const end = p.child.signalCode ?? p.child.exitCode ?? 'running';
      return `## ${labels[i] ? `${labels[i]}: ` : ''}${args} (end: ${end})\n${p.stdout()}\n${p.stderr()}\n`;
    })
    .join('\n');
}

/** Writes one scenario's figures as `<scenario>-<size>.json`, for docs/reliability.md's tables. */
export async function writeScenarioResult(result: ScenarioResult): Promise<string> {
  const dir = faultResultsDir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${result.scenario}-${result.size}.json`);
  await writeFile(file, `${JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2)}\n`);
  return file;
}
