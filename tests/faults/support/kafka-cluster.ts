import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type EaioConfig, loadConfig } from '../../../infra/config/index.ts';
import { clusterNodeName, recordedLayout } from '../../../infra/stack/kafka-layout.ts';
import { ensureKafka } from '../../../infra/stack/kafka-service.ts';
import { freePort } from '../../../infra/stack/network.ts';
import { stackPaths } from '../../../infra/stack/paths.ts';
import { runningPid, waitForExit } from '../../../infra/stack/process-control.ts';

/** A three-node KRaft cluster of a fault scenario's own, started by the product's stack code. */
export interface TestKafkaCluster {
  readonly brokers: readonly string[];
  readonly stateDir: string;
  /** How long the first start took (the offsets topic's creation included). */
  readonly startMs: number;
  /** Pid of node `nodeId`'s JVM; undefined while it is down. */
  pid(nodeId: number): Promise<number | undefined>;
  /** `kill -9` of one node: no controlled shutdown, log recovery on restart. */
  kill(nodeId: number): Promise<void>;
  /** What `eaio stack up --brokers 3` does again: starts the nodes that are down and waits for all three. */
  start(): Promise<void>;
  /** Kafka log of node `nodeId`. */
  logFile(nodeId: number): string;
  dispose(): Promise<void>;
}

/**
 * Three KRaft voters on free loopback ports in a temp state folder (`ensureKafka` with three brokers,
 * as `eaio stack up --brokers 3`), with the project state folder's jars linked rather than copied.
 * Small heaps: the machine has two cores and 24 GB shared by everyone's tests.
 */
export async function startKafkaCluster(
  log: (line: string) => void = () => undefined,
): Promise<TestKafkaCluster> {
  const stateDir = await mkdtemp(join(tmpdir(), 'eaio-fault-cluster-'));
  const shared = stackPaths(loadConfig(process.env));
  await mkdir(shared.lib, { recursive: true });
  await symlink(shared.lib, join(stateDir, 'lib'), 'dir');
  const listeners = [await freePort(), await freePort(), await freePort()].map((p) => `127.0.0.1:${p}`);
  const config: EaioConfig = configSchema.parse({
    stateDir,
    kafka: { brokers: listeners },
    stack: { kafkaControllerPort: await freePort(), javaHeap: '384m' },
  });
  const paths = stackPaths(config);
  const start = async () => {
    await ensureKafka(config, paths, { log, env: process.env, brokers: 3, readyTimeoutMs: 240_000 });
  };
  const pid = (nodeId: number) => runningPid(paths.run, clusterNodeName(nodeId));
  const dispose = async () => {
    // SIGKILL: the data goes with the folder, so a controlled shutdown would only cost time.
    for (const id of [1, 2, 3]) {
      const running = await pid(id).catch(() => undefined);
      if (running !== undefined) process.kill(running, 'SIGKILL');
    }
    await rm(stateDir, { recursive: true, force: true });
  };
  const began = performance.now();
  try {
    await start();
  } catch (error) {
    await dispose();
    throw error;
  }
  const startMs = Math.round(performance.now() - began);
  const layout = await recordedLayout(config, paths);
  return {
    brokers: listeners,
    stateDir,
    startMs,
    pid,
    async kill(nodeId) {
      const running = await pid(nodeId);
      if (running === undefined) throw new Error(`node ${nodeId} is not running`);
      process.kill(running, 'SIGKILL');
      await waitForExit(running, 10_000);
    },
    start,
    logFile: (nodeId) => layout.nodes.find((n) => n.nodeId === nodeId)?.logFile ?? '',
    dispose,
  };
}
