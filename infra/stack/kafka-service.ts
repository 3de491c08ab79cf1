import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { EaioConfig } from '../config/index.ts';
import { StackError } from './errors.ts';
import { requireJava } from './java.ts';
import {
  CLUSTER_NODE_IDS,
  chosenBrokerCount,
  clusterNodeName,
  formatHostPort,
  KAFKA,
  type KafkaLayout,
  type KafkaNode,
  planKafkaLayout,
  rememberLayout,
} from './kafka-layout.ts';
import { fetchKafkaJars } from './maven.ts';
import { isPortOpen } from './network.ts';
import type { StackPaths } from './paths.ts';
import { type ChildEnv, runningPid, runTool, spawnDetached } from './process-control.ts';
import { waitUntilReady } from './readiness.ts';

export { KAFKA } from './kafka-layout.ts';

/**
 * True when a Kafka broker answers a metadata request on `brokers` (kafkajs describeCluster) and
 * the cluster it describes has at least `minBrokers` live brokers.
 */
export async function probeKafka(brokers: string[], timeoutMs = 1_500, minBrokers = 1): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'eaio-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length >= Math.max(1, minBrokers);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Pid of the single broker this state folder started, when it still runs. */
export function kafkaPid(paths: StackPaths): Promise<number | undefined> {
  return runningPid(paths.run, KAFKA);
}

/** Each cluster node name of this state folder whose process still runs, with its pid. */
export async function runningClusterNodes(paths: StackPaths): Promise<Map<string, number>> {
  const running = new Map<string, number>();
  for (const id of CLUSTER_NODE_IDS) {
    const pid = await runningPid(paths.run, clusterNodeName(id));
    if (pid !== undefined) running.set(clusterNodeName(id), pid);
  }
  return running;
}

/**
 * Where clients are told to find the broker when that is not its listener: a proxy or a NAT in front
 * of it. The broker's own traffic to itself (transaction markers) then takes a listener of its own,
 * so only client traffic goes the way clients go. Single broker only.
 */
export interface KafkaRoute {
  /** The address the broker advertises to clients. */
  readonly advertised: { readonly host: string; readonly port: number };
  /** Loopback port of the inter-broker listener. */
  readonly interBrokerPort: number;
}

type ServiceOpts = {
  log: (line: string) => void;
  env: ChildEnv;
  readyTimeoutMs?: number;
  route?: KafkaRoute;
};

/**
 * Makes sure Kafka answers: with one broker, on `config.kafka.brokers` (an external one is used as
 * is, otherwise a single KRaft node is started from the state folder); with three, a three-voter
 * KRaft cluster of this state folder (see {@link planKafkaLayout} for its ports). Records the
 * broker count so later `up`, `down` and `status` find the same nodes.
 */
export async function ensureKafka(
  config: EaioConfig,
  paths: StackPaths,
  opts: ServiceOpts & { brokers?: number },
): Promise<{ brokers: string[]; managed: boolean; pid?: number; pids: number[] }> {
  const count = await chosenBrokerCount(paths, opts.brokers);
  const layout = await planKafkaLayout(config, paths, count);
  if (count === 1) {
    const cluster = await runningClusterNodes(paths);
    if (cluster.size > 0)
      throw new StackError(
        'kafka',
        'CONFIG_INVALID',
        'permanent',
        `the three-broker cluster of ${paths.root} is running (${[...cluster.keys()].join(', ')}): run \`eaio stack down\` before \`eaio stack up --brokers 1\``,
      );
    await rememberLayout(paths, layout);
    const single = await ensureSingleKafka(config, paths, layout, opts);
    return { ...single, pids: single.pid === undefined ? [] : [single.pid] };
  }
  if ((await kafkaPid(paths)) !== undefined)
    throw new StackError(
      'kafka',
      'CONFIG_INVALID',
      'permanent',
      `the single broker of ${paths.root} is running: run \`eaio stack down\` before \`eaio stack up --brokers ${count}\``,
    );
  return ensureKafkaCluster(config, paths, layout, opts);
}

async function ensureSingleKafka(
  config: EaioConfig,
  paths: StackPaths,
  layout: KafkaLayout,
  opts: ServiceOpts,
): Promise<{ brokers: string[]; managed: boolean; pid?: number }> {
  const brokers = [...config.kafka.brokers];
  const existing = await kafkaPid(paths);
  if (await probeKafka(brokers)) {
    return existing === undefined ? { brokers, managed: false } : { brokers, managed: true, pid: existing };
  }
  const [node] = layout.nodes;
  if (node === undefined)
    throw new StackError('kafka', 'CONFIG_INVALID', 'permanent', 'config.kafka.brokers is empty');
  let pid = existing;
  if (pid !== undefined) {
    // Started by an earlier `up` that was interrupted while the broker was booting: wait for it.
    opts.log(`kafka: waiting for broker pid ${pid}`);
  } else {
    await prepareKafka(config, paths, layout, opts);
    pid = await startNode(config, paths, node, opts);
  }
  await waitUntilReady({
    service: 'kafka',
    what: `broker ${brokers.join(',')}`,
    check: () => probeKafka(brokers),
    logFile: node.logFile,
    pid,
    ...(opts.readyTimeoutMs ? { timeoutMs: opts.readyTimeoutMs } : {}),
  });
  return { brokers, managed: true, pid };
}

/**
 * Three KRaft nodes, each broker and controller, all three voters. A node whose process still runs
 * is kept; the others are started (a restarted node rejoins on its own data). Ready when every node
 * answers and sees all three brokers.
 */
async function ensureKafkaCluster(
  config: EaioConfig,
  paths: StackPaths,
  layout: KafkaLayout,
  opts: ServiceOpts,
): Promise<{ brokers: string[]; managed: boolean; pids: number[] }> {
  const brokers = layout.nodes.map((n) => formatHostPort(n.listener));
  const own = await Promise.all(layout.nodes.map((n) => runningPid(paths.run, n.name)));
  if (own.every((pid) => pid === undefined) && (await probeKafka(brokers, 1_500, layout.brokers))) {
    // A cluster of that size already answers there and none of it is ours: use it as is.
    return { brokers, managed: false, pids: [] };
  }
  const missing = layout.nodes.filter((_, i) => own[i] === undefined);
  for (const node of missing) {
    for (const [what, host, port] of [
      ['listener', node.listener.host, node.listener.port],
      ['controller', '127.0.0.1', node.controllerPort],
    ] as const) {
      if (await isPortOpen(host, port))
        throw new StackError(
          'kafka',
          'CONFIG_INVALID',
          'permanent',
          `${node.name}'s ${what} port ${host}:${port} is taken by a process this state folder did not start: choose other ports (kafka.brokers, stack.kafkaControllerPort) or stop it`,
        );
    }
  }
  await rememberLayout(paths, layout);
  if (missing.length > 0) await prepareKafka(config, paths, layout, opts);
  const pids = await Promise.all(
    layout.nodes.map(async (node, i) => {
      const running = own[i];
      if (running !== undefined) return running;
      return startNode(config, paths, node, opts);
    }),
  );
  await Promise.all(
    layout.nodes.map((node, i) =>
      waitUntilReady({
        service: 'kafka',
        what: `${node.name} on ${formatHostPort(node.listener)} with ${layout.brokers} brokers in the cluster`,
        check: () => probeKafka([formatHostPort(node.listener)], 1_500, layout.brokers),
        logFile: node.logFile,
        ...(pids[i] === undefined ? {} : { pid: pids[i] }),
        ...(opts.readyTimeoutMs ? { timeoutMs: opts.readyTimeoutMs } : {}),
      }),
    ),
  );
  // The first group lookup creates the offsets topic (50 partitions, three replicas each), which a
  // busy machine takes a while over: consumers started before it exists fail to join at first.
  const [first] = layout.nodes;
  await waitUntilReady({
    service: 'kafka',
    what: `the group coordinator of ${brokers.join(',')}`,
    check: () => probeGroupCoordinator(brokers),
    logFile: first?.logFile ?? '',
    ...(opts.readyTimeoutMs ? { timeoutMs: opts.readyTimeoutMs } : {}),
  });
  return { brokers, managed: true, pids };
}

/** True when a consumer group's coordinator can be found (the offsets topic exists and has leaders). */
async function probeGroupCoordinator(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'eaio-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_500,
    requestTimeout: 5_000,
    // Not 0: kafkajs finds a coordinator only after a metadata refresh it does on retry.
    retry: { retries: 3, initialRetryTime: 200 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeGroups(['eaio-stack-probe']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Jars, properties files and formatted log dirs for every node of `layout`. */
async function prepareKafka(
  config: EaioConfig,
  paths: StackPaths,
  layout: KafkaLayout,
  opts: ServiceOpts,
): Promise<void> {
  await requireJava('kafka', opts.env);
  await fetchKafkaJars(config.stack.kafkaVersion, kafkaLib(config, paths), opts.log, opts.env);
  await mkdir(paths.conf, { recursive: true });
  await writeFile(log4jFile(paths), LOG4J_PROPERTIES);
  const voters = layout.nodes.map((n) => ({ nodeId: n.nodeId, controllerPort: n.controllerPort }));
  for (const node of layout.nodes) {
    await mkdir(node.data, { recursive: true });
    await writeFile(
      node.serverProperties,
      layout.brokers === 1
        ? serverProperties(node.listener, node.controllerPort, node.data, undefined, opts.route)
        : serverProperties(node.listener, node.controllerPort, node.data, { nodeId: node.nodeId, voters }),
    );
  }
  const clusterId = await clusterIdOf(layout, opts);
  // One JVM per node: side by side they take the time of one.
  await Promise.all(layout.nodes.map((node) => formatOnce(config, paths, node, clusterId, opts)));
}

const kafkaLib = (config: EaioConfig, paths: StackPaths) =>
  join(paths.lib, `kafka-${config.stack.kafkaVersion}`);
const log4jFile = (paths: StackPaths) => join(paths.conf, 'kafka-log4j.properties');

async function startNode(
  config: EaioConfig,
  paths: StackPaths,
  node: KafkaNode,
  opts: ServiceOpts,
): Promise<number> {
  opts.log(
    `kafka: starting ${node.name === KAFKA ? 'broker' : node.name} on ${formatHostPort(node.listener)} (log ${node.logFile})`,
  );
  return spawnDetached({
    name: node.name,
    command: 'java',
    args: [
      `-Xmx${config.stack.javaHeap}`,
      '-Xms128m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${log4jFile(paths)}`,
      `-Dkafka.logs.dir=${paths.logs}`,
      '-cp',
      `${kafkaLib(config, paths)}/*`,
      'kafka.Kafka',
      node.serverProperties,
    ],
    logFile: node.logFile,
    runDir: paths.run,
    // The absolute properties path is unique to this node of this state folder and visible in /proc/<pid>/cmdline.
    marker: node.serverProperties,
    cwd: paths.root,
    env: opts.env,
  });
}

/**
 * The one cluster id every node is formatted with: the recorded one, else the one an already
 * formatted node carries (its meta.properties), else a new one, recorded before any node is formatted.
 */
async function clusterIdOf(layout: KafkaLayout, opts: ServiceOpts): Promise<string> {
  let clusterId = existsSync(layout.clusterIdFile)
    ? (await readFile(layout.clusterIdFile, 'utf8')).trim()
    : '';
  if (clusterId !== '') return clusterId;
  for (const node of layout.nodes) {
    const meta = join(node.data, 'meta.properties');
    if (!existsSync(meta)) continue;
    const found = /^cluster\.id=(.+)$/m.exec(await readFile(meta, 'utf8'))?.[1]?.trim();
    if (found) {
      clusterId = found;
      break;
    }
  }
  if (clusterId === '') clusterId = randomClusterId();
  await mkdir(dirname(layout.clusterIdFile), { recursive: true });
  await writeFile(layout.clusterIdFile, `${clusterId}\n`);
  opts.log(`kafka: cluster id ${clusterId}`);
  return clusterId;
}

/** Formats a node's KRaft log dir once; an already formatted dir (meta.properties) is left alone. */
async function formatOnce(
  config: EaioConfig,
  paths: StackPaths,
  node: KafkaNode,
  clusterId: string,
  opts: ServiceOpts,
): Promise<void> {
  if (existsSync(join(node.data, 'meta.properties'))) return;
  opts.log(`kafka: formatting ${node.data} for cluster ${clusterId}`);
  try {
    await runTool(
      'java',
      [
        `-Dlog4j.configuration=file:${log4jFile(paths)}`,
        '-cp',
        `${kafkaLib(config, paths)}/*`,
        'kafka.tools.StorageTool',
        'format',
        '--ignore-formatted',
        '-t',
        clusterId,
        '-c',
        node.serverProperties,
      ],
      { env: opts.env, timeoutMs: 120_000 },
    );
  } catch (error) {
    throw new StackError(
      'kafka',
      'STACK_START_FAILED',
      'permanent',
      `kafka-storage format failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Same shape as Kafka's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64, no padding. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka avoids ids starting with '-' because command-line parsers take them for options.
    if (!id.startsWith('-')) return id;
  }
}

/**
 * A node's `server.properties`. Without `cluster`, the single broker's (exported for the test that
 * keeps `infra/docker-compose.yml`'s broker settings equal to these). With it, one voter of a KRaft
 * cluster: every internal topic (consumer offsets, transaction state) and every topic created with
 * the default replication factor is kept on three nodes and takes a write once two of them have it.
 */
export function serverProperties(
  listener: { host: string; port: number },
  controllerPort: number,
  dataDir: string,
  cluster?: { nodeId: number; voters: readonly { nodeId: number; controllerPort: number }[] },
  route?: KafkaRoute,
): string {
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
  const host = bracket(listener.host);
  const listeners = route
    ? [
        `listeners=PLAINTEXT://${host}:${listener.port},BROKER://127.0.0.1:${route.interBrokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://${bracket(route.advertised.host)}:${route.advertised.port},BROKER://127.0.0.1:${route.interBrokerPort}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=BROKER',
      ]
    : [
        `listeners=PLAINTEXT://${host}:${listener.port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://${host}:${listener.port}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
      ];
  const voters = cluster?.voters ?? [{ nodeId: 1, controllerPort }];
  const replicas = Math.min(3, voters.length);
  const minIsr = replicas >= 3 ? 2 : 1;
  return `${[
    '# Written by eaio stack up on every start; edit infra/stack/kafka-service.ts instead.',
    'process.roles=broker,controller',
    `node.id=${cluster?.nodeId ?? 1}`,
    `controller.quorum.voters=${voters.map((v) => `${v.nodeId}@127.0.0.1:${v.controllerPort}`).join(',')}`,
    ...listeners,
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    `default.replication.factor=${replicas}`,
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    // Only on the cluster, so the single broker's file stays what the compose file mirrors.
    ...(minIsr > 1 ? [`min.insync.replicas=${minIsr}`] : []),
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    'num.network.threads=3',
    'num.io.threads=8',
  ].join('\n')}\n`;
}

const LOG4J_PROPERTIES = `${[
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka=INFO',
  'log4j.logger.org.apache.kafka=INFO',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.kafka.controller=INFO',
  'log4j.logger.kafka.log.LogCleaner=INFO',
  'log4j.logger.state.change.logger=WARN',
  'log4j.logger.kafka.authorizer.logger=WARN',
].join('\n')}\n`;
