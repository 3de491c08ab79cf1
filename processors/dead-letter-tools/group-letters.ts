import type { DeadLetterEntry } from '../../stream-runtime/index.ts';

/** One failed source record: where it sat, and the letter each consumer that refused it wrote. */
export interface FailedRecord {
  /** `sourceTopic/partition/offset`, or for an import row `file:<name>/0/<line>`. */
  readonly position: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  /**
   * Consumers that refused it, sorted. A letter that names none (written before letters did, or an
   * import row) counts by its stage, as the dead-letter index counts it: `processor:<name>` for
   * `process:<name>`, else `stage:<stage>` (e.g. `stage:import`).
   */
  readonly consumers: readonly string[];
  readonly errorCodes: readonly string[];
  /** The most attempts any of its letters counts. */
  readonly attempts: number;
  readonly lastFailedAt: string;
  /** Its letters, oldest first. */
  readonly letters: readonly DeadLetterEntry[];
}

/** Where a letter's event sat in its source topic: what every consumer's letter of one record shares. */
export const sourcePositionOf = (l: DeadLetterEntry): string =>
  `${l.sourceTopic}/${l.sourcePartition}/${l.sourceOffset}`;

/** Who refused a letter's record: its consumer, or for a letter naming none, what its stage says. */
export function refuserOf(l: DeadLetterEntry): string {
  if (l.consumer !== '') return l.consumer;
  return l.stage.startsWith('process:')
    ? `processor:${l.stage.slice('process:'.length)}`
    : `stage:${l.stage}`;
}

/**
 * Groups letters by the source record they are about: each consumer of a topic (the projector and
 * every processor) writes its own letter for a record it refuses, so five consumers turn one poison
 * record into five letters; listings show it once, with the consumers that refused it.
 */
export function groupLettersByRecord(letters: readonly DeadLetterEntry[]): FailedRecord[] {
  const byPosition = new Map<string, DeadLetterEntry[]>();
  for (const letter of letters) {
    const position = sourcePositionOf(letter);
    const group = byPosition.get(position);
    if (group === undefined) byPosition.set(position, [letter]);
    else group.push(letter);
  }
  return [...byPosition].map(([position, group]) => {
    const first = group[0] as DeadLetterEntry;
    return {
      position,
      sourceTopic: first.sourceTopic,
      sourcePartition: first.sourcePartition,
      sourceOffset: first.sourceOffset,
      consumers: [...new Set(group.map(refuserOf))].sort(),
      errorCodes: [...new Set(group.map((l) => l.errorCode))].sort(),
      attempts: Math.max(...group.map((l) => l.attempts)),
      lastFailedAt:
        group
          .map((l) => l.lastFailedAt)
          .sort()
          .at(-1) ?? '',
      letters: group,
    };
  });
}
