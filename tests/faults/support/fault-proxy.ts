import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** What the proxy does to the traffic now; every field off by default (a plain pass-through). */
export interface ProxyFaults {
  /**
   * Connections are accepted (and new ones connected upstream) but no byte passes either way; bytes
   * sent meanwhile are held and delivered when the blackhole lifts, as TCP retransmits after a
   * network drop, unless an end gave up on the connection first.
   */
  readonly blackhole?: boolean;
  /** One-way delay added to every chunk, each direction. */
  readonly latencyMs?: number;
  /** Bandwidth of each connection, each direction. */
  readonly bytesPerSecond?: number;
  /** Every `everyMs`, each open connection is reset (both ends) with this probability. */
  readonly cuts?: { readonly everyMs: number; readonly probability: number };
}

export interface FaultProxyStats {
  readonly connections: number;
  readonly open: number;
  /** Connections the proxy reset at random (`cuts`). */
  readonly cut: number;
  readonly bytes: number;
}

/** A loopback TCP proxy in front of a real service that blackholes, cuts and slows its traffic on demand. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  readonly stats: FaultProxyStats;
  /** Replaces the current faults (`{}`: heal). */
  setFaults(faults: ProxyFaults): void;
  close(): Promise<void>;
}

/** mulberry32: the proxy's dice are seeded, so a run cuts the same way each time it meets the same connections. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const HIGH_WATER = 1 << 20;

/** Starts a fault proxy on 127.0.0.1 (a free port) forwarding to `target`. */
export async function createFaultProxy(
  target: { readonly host: string; readonly port: number },
  { seed = 1 } = {},
): Promise<FaultProxy> {
  let faults: ProxyFaults = {};
  const changed = new EventEmitter();
  changed.setMaxListeners(0);
  const random = seededRandom(seed);
  const pairs = new Set<readonly [net.Socket, net.Socket]>();
  let connections = 0;
  let cut = 0;
  let bytes = 0;

  /**
   * One direction of one connection: chunks in order, each delivered no sooner than its arrival plus
   * the latency, spaced by the bandwidth, never while blackholed. The source is paused while much is queued.
   */
  const lane = (from: net.Socket, to: net.Socket) => {
    const queue: { chunk: Buffer; at: number }[] = [];
    let queued = 0;
    let pumping = false;
    let nextFree = 0;
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      try {
        while (queue.length > 0 && !to.destroyed) {
          if (faults.blackhole) {
            await once(changed, 'change');
            continue;
          }
          const head = queue[0] as { chunk: Buffer; at: number };
          const latency = faults.latencyMs ?? 0;
          const rate = faults.bytesPerSecond;
          const due = Math.max(head.at + latency, rate ? nextFree : 0);
          const wait = due - Date.now();
          if (wait > 0) {
            // Woken early by a change of faults (a blackhole must stop what is waiting out its latency).
            await Promise.race([delay(wait), once(changed, 'change')]);
            continue;
          }
          queue.shift();
          queued -= head.chunk.length;
          if (rate) nextFree = Math.max(Date.now(), nextFree) + (head.chunk.length / rate) * 1_000;
          bytes += head.chunk.length;
          to.write(head.chunk);
          if (queued < HIGH_WATER && from.isPaused()) from.resume();
        }
      } finally {
        pumping = false;
      }
    };
    from.on('data', (chunk: Buffer) => {
      // Big chunks are split so that a bandwidth limit paces within them rather than after them.
      const piece = faults.bytesPerSecond
        ? Math.max(1024, Math.floor(faults.bytesPerSecond / 20))
        : chunk.length;
      for (let i = 0; i < chunk.length; i += piece)
        queue.push({ chunk: chunk.subarray(i, i + piece), at: Date.now() });
      queued += chunk.length;
      if (queued >= HIGH_WATER) from.pause();
      void pump();
    });
  };

  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
    lane(client, upstream);
    lane(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  const reset = (pair: readonly [net.Socket, net.Socket]) => {
    pairs.delete(pair);
    // A reset, not a FIN, on both ends: each sees the connection fail, as when a middlebox drops it.
    for (const socket of pair) if (!socket.destroyed) socket.resetAndDestroy();
  };
  let lastCut = 0;
  // Ticks often but rolls the dice once per `everyMs`, so a change of `everyMs` applies at once.
  const dice = setInterval(() => {
    const c = faults.cuts;
    if (c === undefined || Date.now() - lastCut < c.everyMs) return;
    lastCut = Date.now();
    for (const pair of [...pairs])
      if (random() < c.probability) {
        cut++;
        reset(pair);
      }
  }, 25);

  const address = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    get stats() {
      return { connections, open: pairs.size, cut, bytes };
    },
    setFaults(next) {
      faults = { ...next };
      changed.emit('change');
    },
    async close() {
      clearInterval(dice);
      faults = {};
      changed.emit('change');
      for (const pair of [...pairs]) reset(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
