import { PROCESSORS } from '../../../processors/index.ts';
import { caughtUp } from '../../support/processor-runs.ts';
import { waitForProjectionsAtEnd } from '../../support/projection-offsets.ts';
import type { TestPlatform } from '../../support/test-platform.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  checkDerivedTables,
  checkDerivedTopics,
  type DerivedCheck,
  type DerivedTablesCheck,
  type ReadingStage,
} from './derived.ts';
import { countMessages } from './event-checks.ts';
import type { AckLedger, ReadingsCheck } from './ledger.ts';

/** Everything a readings scenario checks at the end, and how long the pipeline took to get there. */
export interface SettledReadings {
  readonly readings: ReadingsCheck;
  readonly derived: readonly DerivedCheck[];
  readonly tables: DerivedTablesCheck;
  /** From the call (the fault's end) until every check below held, or null if they never did. */
  readonly recoveryMs: number | null;
  /** The wait that ran out, when recovery did not complete. */
  readonly stalled: string | null;
}

const tablesSettled = (t: DerivedTablesCheck): boolean =>
  t.anomaliesMissing === 0 && t.issuesMissing === 0 && t.rollupsWrong === 0;

/**
 * Waits, up to `limitMs` from now, for the pipeline to settle with nobody touching it: every
 * acknowledged reading in the read model, every stage's group past the end of its input, the
 * projector at the end of the readings, the processors' read models matching their topics. Then
 * checks the derived topics against the pure operators. Does not throw on a timeout: the scenario
 * asserts on the figures returned, so a failure shows how far recovery got.
 */
export async function settleReadings(
  platform: TestPlatform,
  ledger: AckLedger,
  stages: readonly ReadingStage[],
  limitMs: number,
): Promise<SettledReadings> {
  const start = Date.now();
  const left = () => Math.max(1_000, limitMs - (Date.now() - start));
  let stalled: string | null = null;
  try {
    await waitFor(
      'every acknowledged reading projected',
      async () => ((await ledger.checkReadings(platform.pool)).lost.length === 0 ? true : undefined),
      { timeoutMs: left(), intervalMs: 250 },
    );
    await waitForProjectionsAtEnd(platform, 'sensorReadings', ['readings'], left());
    for (const stage of stages) {
      const definition = PROCESSORS[stage];
      await caughtUp(
        platform,
        `${platform.names.prefix}${definition.name}`,
        platform.names.topic(definition.input),
      );
    }
    await waitFor(
      "the processors' read models matching their topics",
      async () => (tablesSettled(await checkDerivedTables(platform)) ? true : undefined),
      { timeoutMs: left(), intervalMs: 500 },
    );
  } catch (error) {
    stalled = String(error).slice(0, 500);
  }
  const recoveryMs = stalled === null ? Date.now() - start : null;
  return {
    readings: await ledger.checkReadings(platform.pool),
    derived: await checkDerivedTopics(platform, stages),
    tables: await checkDerivedTables(platform),
    recoveryMs,
    stalled,
  };
}

/** Derived events lost and duplicated over every derived topic, for a scenario's result. */
export function derivedTotals(derived: readonly DerivedCheck[]): { lost: number; duplicated: number } {
  return {
    lost: derived.reduce((n, d) => n + d.lost, 0),
    duplicated: derived.reduce((n, d) => n + d.duplicated, 0),
  };
}

/** Dead letters on every topic of the readings pipeline: the readings and each derived topic. */
export async function countPipelineLetters(p: TestPlatform): Promise<number> {
  const topics = [
    'sensorReadings',
    'readingsByBuilding',
    'readingAggregates',
    'anomalies',
    'dataQualityIssues',
  ] as const;
  return countMessages(
    p.kafka,
    topics.map((k) => p.names.deadLetter(k)),
  );
}
