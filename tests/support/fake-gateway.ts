import {
  type Gateway,
  GatewayError,
  type GatewayHealth,
  type PointRead,
} from '../../sources/gateways/index.ts';

/**
 * An in-memory device behind the Gateway interface with a BACnet-like priority array per point (the
 * highest active priority wins, else the relinquish default), faults on demand, and a log of writes:
 * the executor's tests that are not about a protocol run against it.
 */
export class FakeGateway implements Gateway {
  readonly id: string;
  readonly writes: { pointId: string; value: number; priority: number }[] = [];
  readonly relinquishes: { pointId: string; priority: number }[] = [];
  /** Points whose writes fail with a device exception. */
  readonly failWrites = new Set<string>();
  /** Points whose reads fail (their value goes stale). */
  readonly failReads = new Set<string>();
  connected = true;
  private readonly present = new Map<string, number>();
  private readonly defaults = new Map<string, number>();
  private readonly arrays = new Map<string, Map<number, number>>();
  private lastSuccessAt: Date | null = null;

  constructor(id: string, initial: Readonly<Record<string, number>>) {
    this.id = id;
    for (const [pointId, value] of Object.entries(initial)) {
      this.present.set(pointId, value);
      this.defaults.set(pointId, value);
      this.arrays.set(pointId, new Map());
    }
  }

  /** The value the device holds now (what a register read would say). */
  value(pointId: string): number | undefined {
    return this.present.get(pointId);
  }

  async connect(): Promise<void> {}

  async read(pointIds: readonly string[]): Promise<readonly PointRead[]> {
    const at = new Date();
    return pointIds.map((pointId): PointRead => {
      const value = this.present.get(pointId);
      if (!this.connected) return { pointId, ok: false, code: 'disconnected', message: 'not connected', at };
      if (this.failReads.has(pointId) || value === undefined)
        return { pointId, ok: false, code: 'timeout', message: 'no answer', at };
      this.lastSuccessAt = at;
      return { pointId, ok: true, value, at };
    });
  }

  async write(pointId: string, value: number, priority: number): Promise<void> {
    if (!this.connected) throw new GatewayError('disconnected', 'not connected');
    if (this.failWrites.has(pointId))
      throw new GatewayError('exception', 'Modbus exception 4 (slave device failure)');
    this.writes.push({ pointId, value, priority });
    this.arrayOf(pointId).set(priority, value);
    this.apply(pointId);
  }

  async relinquish(pointId: string, priority: number): Promise<void> {
    if (!this.connected) throw new GatewayError('disconnected', 'not connected');
    this.relinquishes.push({ pointId, priority });
    this.arrayOf(pointId).delete(priority);
    this.apply(pointId);
  }

  async subscribe(): Promise<() => Promise<void>> {
    return async () => undefined;
  }

  health(): GatewayHealth {
    return {
      connected: this.connected,
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.connected ? null : 'not connected',
      consecutiveFailures: 0,
    };
  }

  async close(): Promise<void> {}

  private arrayOf(pointId: string): Map<number, number> {
    const array = this.arrays.get(pointId);
    if (array === undefined) throw new GatewayError('exception', `no point ${pointId}`);
    return array;
  }

  private apply(pointId: string): void {
    const array = this.arrayOf(pointId);
    const top = [...array.keys()].sort((a, b) => a - b)[0];
    const value = top === undefined ? this.defaults.get(pointId) : array.get(top);
    if (value !== undefined) this.present.set(pointId, value);
  }
}
