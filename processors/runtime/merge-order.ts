/**
 * The merge order of a multi-input processor: how the events of its co-partitioned stream inputs and
 * of its global tables are interleaved for the one operator instance of a partition number. Live
 * processing and the state rebuild both go through {@link nextStreamInput} and {@link tableIsDue}, so
 * they can only differ in what was available when, never in the rule.
 *
 * The rule:
 * 1. Each stream input keeps its own log order (offset order), whatever its event times say.
 * 2. Between stream inputs, the next event is the buffered head with the earliest `occurredAt`; on a
 *    tie, the input declared first wins (a command before the outcome that answers it).
 * 3. The merge waits while a stream input of the partition number has nothing buffered but its log
 *    has more than was received (it is behind): its next event might be earlier. An input that is
 *    caught up with its log never holds the others back, so an idle input does not block.
 * 4. A table event is fed just before the first stream event whose `occurredAt` is at or after its own
 *    (ties go to the table); table events wait until then, in (`occurredAt`, table, partition, offset)
 *    order. A table event with a later time than every stream event so far waits for a later one.
 *
 * Where live and a from-scratch replay (or a rebuild) can differ, precisely: an event that reaches the
 * runtime after the operator of its partition number was already fed an event of another input with
 * a later `occurredAt` is fed live at arrival, but in a replay at its event-time position. That is a
 * stream event appended late (produced late, or appended after the merge last saw its input's log
 * end), or a table update appended after a later-timed command was decided (live, the command saw the
 * old registration; a replay shows it the new one). Compaction of a table can remove a superseded
 * version: a replay then never sees it, and commands between it and its successor meet the state
 * before it (for a point registered once and later updated: no registration at all).
 */

/** Where one stream input of a partition number stands for the merge. */
export type StreamHead =
  /** The next buffered event, with its event time in ms. */
  | { readonly kind: 'event'; readonly occurredAt: number }
  /** Nothing buffered and nothing more in the log: this input does not hold the others back. */
  | { readonly kind: 'idle' }
  /** Nothing buffered but the log has more: the merge must wait for its next batch. */
  | { readonly kind: 'behind' };

/**
 * Index of the stream input whose head is fed next, or undefined when the merge must wait (an input
 * is behind) or nothing is buffered. `heads` are in declaration order, which breaks ties.
 */
export function nextStreamInput(heads: readonly StreamHead[]): number | undefined {
  let best: number | undefined;
  let bestAt = Number.POSITIVE_INFINITY;
  for (const [index, head] of heads.entries()) {
    if (head.kind === 'behind') return undefined;
    if (head.kind === 'event' && (best === undefined || head.occurredAt < bestAt)) {
      best = index;
      bestAt = head.occurredAt;
    }
  }
  return best;
}

/** A table event's place in the merge. */
export interface TablePosition {
  readonly occurredAt: number;
  /** Index of the table in the definition's `tables`. */
  readonly table: number;
  readonly partition: number;
  readonly offset: bigint;
}

/** Order in which table events that are due together are fed. */
export function compareTablePositions(a: TablePosition, b: TablePosition): number {
  return (
    a.occurredAt - b.occurredAt ||
    a.table - b.table ||
    a.partition - b.partition ||
    (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0)
  );
}

/** Whether a table event is fed before a stream event at `streamAt` (ms): ties go to the table. */
export function tableIsDue(table: TablePosition, streamAt: number): boolean {
  return table.occurredAt <= streamAt;
}
