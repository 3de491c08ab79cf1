import { compareTablePositions, nextStreamInput, type StreamHead, tableIsDue } from './merge-order.ts';
import {
  type Buffered,
  type Cursor,
  maxBig,
  type OperatorFailure,
  type PartitionRun,
} from './partition-run.ts';
import type { TableEvent, TableReader } from './table-reader.ts';

/**
 * Inserts `event` after every pending event that is not later, by binary search: table events mostly
 * arrive in time order, so a linear scan from the front would make a large table's first merge
 * (point values read at start) quadratic.
 */
function insertInOrder(pending: TableEvent[], event: TableEvent): void {
  let low = 0;
  let high = pending.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareTablePositions(event.position, (pending[mid] as TableEvent).position) < 0) high = mid;
    else low = mid + 1;
  }
  if (low === pending.length) pending.push(event);
  else pending.splice(low, 0, event);
}

const headOf = (cursor: Cursor): StreamHead => {
  const next = cursor.buffer[0];
  if (next !== undefined) return { kind: 'event', occurredAt: next.occurredAt };
  return cursor.seen >= cursor.end ? { kind: 'idle' } : { kind: 'behind' };
};

/**
 * Feeds a partition number's operator what the merge order allows (see `merge-order.ts`), table
 * events just before the first stream event they are due for. Poison events at the head of an input
 * are handed to `onPoison` (they never reach the operator, so they need not wait); re-driven copies
 * meant for other consumers are passed over the same way, without a letter. Stops at the first
 * operator failure and returns it; the caller rebuilds the operator without the event.
 */
export function drainMerge(
  partitionRun: PartitionRun,
  tables: TableReader | undefined,
  onPoison: (cursor: Cursor, entry: Buffered) => void,
): OperatorFailure | undefined {
  const { cursors, pendingTable } = partitionRun;
  for (;;) {
    for (const cursor of cursors) {
      for (
        let head = cursor.buffer[0];
        head !== undefined && (head.poison !== undefined || head.passOver === true);
        head = cursor.buffer[0]
      ) {
        cursor.buffer.shift();
        cursor.position = head.offset + 1n;
        if (head.poison !== undefined) onPoison(cursor, head);
      }
    }
    const index = nextStreamInput(cursors.map(headOf));
    const cursor = index === undefined ? undefined : cursors[index];
    const entry = cursor?.buffer[0];
    if (cursor === undefined || entry?.input === undefined) break;
    if (tables !== undefined) {
      for (; partitionRun.tableNext < tables.events.length; partitionRun.tableNext += 1) {
        const event = tables.events[partitionRun.tableNext] as TableEvent;
        insertInOrder(pendingTable, event);
      }
      for (let due = pendingTable[0]; due !== undefined; due = pendingTable[0]) {
        if (!tableIsDue(due.position, entry.occurredAt)) break;
        pendingTable.shift();
        if (tables.isRejected(due)) continue;
        partitionRun.operator.input.next({ type: due.type, value: due.value });
        const error = partitionRun.operator.failure;
        if (error !== undefined) return { on: 'table', event: due, error };
      }
    }
    cursor.buffer.shift();
    cursor.position = entry.offset + 1n;
    partitionRun.operator.input.next(entry.input);
    const error = partitionRun.operator.failure;
    if (error !== undefined) return { on: 'stream', cursor, entry, error };
  }
  // Past trailing transaction markers too, so the committed offset reaches the log end.
  for (const cursor of cursors) {
    if (cursor.buffer.length === 0) cursor.position = maxBig(cursor.position, cursor.seen);
  }
  return undefined;
}
