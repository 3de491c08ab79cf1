/**
 * Ids due at event-time deadlines, popped in deadline order as the watermark advances. Windows are
 * aligned, so few distinct deadlines exist at once and a sorted array of them with a bucket per
 * deadline beats scanning every window on each event.
 */
export class DeadlineQueue {
  /** Distinct deadlines, ascending. */
  private readonly deadlines: number[] = [];
  private readonly buckets = new Map<number, string[]>();

  /** Schedules `id` at `deadline`. */
  add(deadline: number, id: string): void {
    const bucket = this.buckets.get(deadline);
    if (bucket !== undefined) {
      bucket.push(id);
      return;
    }
    this.buckets.set(deadline, [id]);
    let lo = 0;
    let hi = this.deadlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.deadlines[mid] ?? 0) < deadline) lo = mid + 1;
      else hi = mid;
    }
    this.deadlines.splice(lo, 0, deadline);
  }

  /** Removes and returns the ids of every deadline `<= limit`, earliest deadline first. */
  popUntil(limit: number): string[] {
    const due: string[] = [];
    let n = 0;
    for (const deadline of this.deadlines) {
      if (deadline > limit) break;
      due.push(...(this.buckets.get(deadline) ?? []));
      this.buckets.delete(deadline);
      n++;
    }
    this.deadlines.splice(0, n);
    return due;
  }

  /** Number of distinct deadlines pending. */
  get size(): number {
    return this.deadlines.length;
  }
}
