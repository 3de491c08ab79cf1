import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { configSchema, type EaioConfig } from '../../../infra/config/index.ts';
import { stackDown, stackStatus, stackUp } from '../../../infra/stack/index.ts';
import { freePort } from '../../../infra/stack/network.ts';
import { tailFile } from '../../../infra/stack/readiness.ts';
import { waitFor } from '../../support/wait-for.ts';

/** A three-broker KRaft cluster a fault scenario starts for itself, through `stackUp({ brokers: 3 })`. */
export interface FaultKafkaCluster {
  /** The stack configuration: a temp state folder, free ports, the shared registry, Redis and Postgres. */
  readonly config: EaioConfig;
  readonly stateDir: string;
  /** Bootstrap addresses of all three nodes (known once `up` has run). */
  brokers(): readonly string[];
  /** Starts the cluster (or what of it is not running); resolves with the milliseconds it took. */
  up(): Promise<number>;
  /** The pid of node `nodeId` when this cluster's process for it runs. */
  pidOf(nodeId: number): Promise<number | undefined>;
  /** `kill -9` of node `nodeId`; resolves once the process is gone. */
  kill(nodeId: number): Promise<number>;
  /** The last lines of node `nodeId`'s log, for failure messages. */
  logTail(nodeId: number, lines?: number): Promise<string>;
  /** `stackDown` and the temp folder removed; safe after a failed or partial `up`. */
  down(): Promise<void>;
}

/**
 * A cluster in a temp state folder on ports chosen free now. The Kafka jars are shared with this
 * checkout's state folder (`lib/` is a link to it), so only the first run anywhere fetches them.
 */
export async function prepareFaultKafkaCluster(name: string): Promise<FaultKafkaCluster> {
  const shared = inject('endpoints');
  const stateDir = await mkdtemp(join(tmpdir(), `eaio-${name}-cluster-`));
  const jarCache = resolve(process.env.EAIO_STATE_DIR ?? '.stack', 'lib');
  await mkdir(jarCache, { recursive: true });
  await symlink(jarCache, join(stateDir, 'lib'), 'dir');
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [controller, ...listeners] = [...ports];
  const config = configSchema.parse({
    stateDir,
    kafka: { brokers: listeners.map((p) => `127.0.0.1:${p}`) },
    registry: { url: shared.registryUrl },
    redis: { url: shared.redisUrl },
    postgres: { url: shared.postgresUrl },
    // Three JVMs beside the shared stack on a small machine.
    stack: { kafkaControllerPort: controller, javaHeap: '384m' },
  });
  let brokers: readonly string[] = [];
  const log = (line: string) => process.stderr.write(`[${name} cluster] ${line}\n`);
  const node = async (nodeId: number) =>
    (await stackStatus(config)).find((s) => s.instance === `kafka-${nodeId}`);

  return {
    config,
    stateDir,
    brokers: () => brokers,
    async up() {
      const started = performance.now();
      const endpoints = await stackUp(config, { brokers: 3, log, env: process.env });
      brokers = endpoints.kafkaBrokers;
      return Math.round(performance.now() - started);
    },
    pidOf: async (nodeId) => (await node(nodeId))?.pid,
    async kill(nodeId) {
      const pid = await node(nodeId).then((n) => n?.pid);
      if (pid === undefined) throw new Error(`kafka-${nodeId} of ${stateDir} is not running`);
      process.kill(pid, 'SIGKILL');
      await waitFor(`kafka-${nodeId} (pid ${pid}) gone`, async () =>
        (await node(nodeId))?.pid === undefined ? true : undefined,
      );
      return pid;
    },
    logTail: (nodeId, lines = 30) => tailFile(join(stateDir, 'logs', `kafka-${nodeId}.log`), lines),
    async down() {
      try {
        await stackDown(config, { log, env: process.env });
      } finally {
        await rm(stateDir, { recursive: true, force: true });
      }
    },
  };
}
