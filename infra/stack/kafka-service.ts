import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { EaioConfig } from '../config/index.ts';
import { StackError } from './errors.ts';
import { requireJava } from './java.ts';
import { fetchKafkaJars } from './maven.ts';
import { parseHostPort } from './network.ts';
import type { StackPaths } from './paths.ts';
import { type ChildEnv, runningPid, runTool, spawnDetached } from './process-control.ts';
import { waitUntilReady } from './readiness.ts';

export const KAFKA = 'kafka';

/** Paths of the local broker inside the state folder. */
export function kafkaPaths(config: EaioConfig, paths: StackPaths) {
  return {
    lib: join(paths.lib, `kafka-${config.stack.kafkaVersion}`),
    data: join(paths.data, 'kafka'),
    serverProperties: join(paths.conf, 'kafka-server.properties'),
    log4jProperties: join(paths.conf, 'kafka-log4j.properties'),
    clusterIdFile: join(paths.data, 'kafka-cluster-id'),
    logFile: join(paths.logs, 'kafka.log'),
  };
}

/** True when a Kafka broker answers a metadata request on `brokers` (kafkajs describeCluster). */
export async function probeKafka(brokers: string[], timeoutMs = 1_500): Promise<boolean> {
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
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Pid of the broker this state folder started, when it still runs. */
export function kafkaPid(paths: StackPaths): Promise<number | undefined> {
  return runningPid(paths.run, KAFKA);
}

/**
 * Where clients are told to find the broker when that is not its listener: a proxy or a NAT in front
 * of it. The broker's own traffic to itself (transaction markers) then takes a listener of its own,
 * so only client traffic goes the way clients go.
 */
export interface KafkaRoute {
  /** The address the broker advertises to clients. */
  readonly advertised: { readonly host: string; readonly port: number };
  /** Loopback port of the inter-broker listener. */
  readonly interBrokerPort: number;
}

/**
 * Makes sure a broker answers on `config.kafka.brokers`: an external one is used as is; otherwise a
 * single KRaft node (broker + controller) is started from the state folder, advertising `route`'s
 * address to clients when one is given.
 */
export async function ensureKafka(
  config: EaioConfig,
  paths: StackPaths,
  opts: { log: (line: string) => void; env: ChildEnv; readyTimeoutMs?: number; route?: KafkaRoute },
): Promise<{ brokers: string[]; managed: boolean; pid?: number }> {
  const brokers = [...config.kafka.brokers];
  const existing = await kafkaPid(paths);
  if (await probeKafka(brokers)) {
    return existing === undefined ? { brokers, managed: false } : { brokers, managed: true, pid: existing };
  }
  const kp = kafkaPaths(config, paths);
  let pid = existing;
  if (pid !== undefined) {
    // Started by an earlier `up` that was interrupted while the broker was booting: wait for it.
    opts.log(`kafka: waiting for broker pid ${pid}`);
  } else {
    pid = await startKafka(config, paths, kp, opts);
  }
  await waitUntilReady({
    service: 'kafka',
    what: `broker ${brokers.join(',')}`,
    check: () => probeKafka(brokers),
    logFile: kp.logFile,
    pid,
    ...(opts.readyTimeoutMs ? { timeoutMs: opts.readyTimeoutMs } : {}),
  });
  return { brokers, managed: true, pid };
}

async function startKafka(
  config: EaioConfig,
  paths: StackPaths,
  kp: ReturnType<typeof kafkaPaths>,
  opts: { log: (line: string) => void; env: ChildEnv; route?: KafkaRoute },
): Promise<number> {
  const first = config.kafka.brokers[0];
  if (first === undefined)
    throw new StackError('kafka', 'CONFIG_INVALID', 'permanent', 'config.kafka.brokers is empty');
  const listener = parseHostPort(first, 9092);
  await requireJava('kafka', opts.env);
  await fetchKafkaJars(config.stack.kafkaVersion, kp.lib, opts.log, opts.env);
  await mkdir(paths.conf, { recursive: true });
  await mkdir(kp.data, { recursive: true });
  await writeFile(
    kp.serverProperties,
    serverProperties(listener, config.stack.kafkaControllerPort, kp.data, opts.route),
  );
  await writeFile(kp.log4jProperties, LOG4J_PROPERTIES);
  await formatOnce(kp, opts);
  opts.log(`kafka: starting broker on ${listener.host}:${listener.port} (log ${kp.logFile})`);
  return spawnDetached({
    name: KAFKA,
    command: 'java',
    args: [
      `-Xmx${config.stack.javaHeap}`,
      '-Xms128m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${kp.log4jProperties}`,
      `-Dkafka.logs.dir=${paths.logs}`,
      '-cp',
      `${kp.lib}/*`,
      'kafka.Kafka',
      kp.serverProperties,
    ],
    logFile: kp.logFile,
    runDir: paths.run,
    // The absolute properties path is unique to this state folder and visible in /proc/<pid>/cmdline.
    marker: kp.serverProperties,
    cwd: paths.root,
    env: opts.env,
  });
}

/** Formats the KRaft log dir once; an already formatted dir (meta.properties) is left alone. */
async function formatOnce(
  kp: ReturnType<typeof kafkaPaths>,
  opts: { log: (line: string) => void; env: ChildEnv },
): Promise<void> {
  if (existsSync(join(kp.data, 'meta.properties'))) return;
  let clusterId = existsSync(kp.clusterIdFile) ? (await readFile(kp.clusterIdFile, 'utf8')).trim() : '';
  if (clusterId === '') {
    clusterId = randomClusterId();
    await writeFile(kp.clusterIdFile, `${clusterId}\n`);
  }
  opts.log(`kafka: formatting ${kp.data} for cluster ${clusterId}`);
  try {
    await runTool(
      'java',
      [
        `-Dlog4j.configuration=file:${kp.log4jProperties}`,
        '-cp',
        `${kp.lib}/*`,
        'kafka.tools.StorageTool',
        'format',
        '--ignore-formatted',
        '-t',
        clusterId,
        '-c',
        kp.serverProperties,
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
 * The broker's `server.properties`. Exported for the test that keeps `infra/docker-compose.yml`'s
 * broker settings equal to these.
 */
export function serverProperties(
  listener: { host: string; port: number },
  controllerPort: number,
  dataDir: string,
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
  return `${[
    '# Written by eaio stack up on every start; edit infra/stack/kafka-service.ts instead.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    ...listeners,
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
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
