import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { EaioConfig } from '../config/index.ts';
import { CLUSTER_NODE_IDS, clusterNodeName, formatHostPort, KAFKA, recordedLayout } from './kafka-layout.ts';
import { ensureKafka, kafkaPid, probeKafka } from './kafka-service.ts';
import { type StackPaths, stackPaths } from './paths.ts';
import {
  ensurePostgres,
  managedPostgres,
  postgresPaths,
  probePostgres,
  stopPostgres,
} from './postgres-service.ts';
import { runningPid, stopRecorded } from './process-control.ts';
import { ensureRedis, managedRedis, probeRedis, REDIS, redisPaths } from './redis-service.ts';
import { ensureRegistry, probeRegistry, REGISTRY, registryPid } from './registry-service.ts';
import type { ServiceStatus, StackEndpoints, StackOptions } from './types.ts';

const silent = (_line: string): void => undefined;

/** On-disk form of endpoints.json: the endpoints plus the configuration they were derived from. */
type EndpointsFile = StackEndpoints & { configured: StackEndpoints };

function configuredEndpoints(config: EaioConfig): StackEndpoints {
  return {
    kafkaBrokers: [...config.kafka.brokers],
    registryUrl: config.registry.url,
    redisUrl: config.redis.url,
    postgresUrl: config.postgres.url,
  };
}

async function ensureLayout(paths: StackPaths): Promise<void> {
  await Promise.all(
    [paths.lib, paths.data, paths.logs, paths.run, paths.conf].map((dir) => mkdir(dir, { recursive: true })),
  );
}

/**
 * Brings up Kafka (KRaft: one broker, or three with `brokers: 3`), the Apicurio schema registry,
 * Redis and PostgreSQL. A service whose configured endpoint already answers is used as is; anything
 * else is started from `stateDir`. Idempotent, and quick when everything already runs: a cluster
 * node that died is started again. Writes `<stateDir>/endpoints.json`.
 */
export async function stackUp(config: EaioConfig, opts: StackOptions = {}): Promise<StackEndpoints> {
  const log = opts.log ?? silent;
  const paths = stackPaths(config);
  await ensureLayout(paths);
  const serviceOpts = {
    log,
    env: opts.env,
    ...(opts.readyTimeoutMs ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
  };
  let kafkaBrokers: string[] = [...config.kafka.brokers];
  // The registry journals into Kafka, so it waits for the broker; the others start alongside.
  const [registry, redis, postgres] = await Promise.all([
    ensureKafka(config, paths, {
      ...serviceOpts,
      ...(opts.brokers === undefined ? {} : { brokers: opts.brokers }),
    }).then(async (kafka) => {
      kafkaBrokers = kafka.brokers;
      log(
        `kafka: ${kafka.managed ? `running (pid ${kafka.pids.join(', ')})` : 'external'} on ${kafka.brokers.join(',')}`,
      );
      const reg = await ensureRegistry(config, paths, kafka.brokers, serviceOpts);
      log(`registry: ${reg.managed ? `running (pid ${reg.pid})` : 'external'} at ${reg.url}`);
      return reg;
    }),
    ensureRedis(config, paths, serviceOpts).then((r) => {
      log(`redis: ${r.managed ? `running (pid ${r.pid})` : 'external'} at ${r.url}`);
      return r;
    }),
    ensurePostgres(config, paths, serviceOpts).then((p) => {
      log(`postgres: ${p.managed ? `running (pid ${p.pid})` : 'external'} at ${p.url}`);
      return p;
    }),
  ]);
  const endpoints: StackEndpoints = {
    // Every node of a local cluster, so clients can bootstrap while any one of them is down.
    kafkaBrokers,
    registryUrl: registry.url,
    redisUrl: redis.url,
    postgresUrl: postgres.url,
  };
  const file: EndpointsFile = { ...endpoints, configured: configuredEndpoints(config) };
  await writeFile(paths.endpointsFile, `${JSON.stringify(file, null, 2)}\n`);
  return endpoints;
}

/**
 * Stops only what `stackUp` started from this `stateDir` (pid files under `run/`, each checked
 * against /proc/<pid>/cmdline first); external services are never touched. Stale pid files are
 * removed.
 */
export async function stackDown(config: EaioConfig, opts: StackOptions = {}): Promise<void> {
  const log = opts.log ?? silent;
  const paths = stackPaths(config);
  await rm(paths.endpointsFile, { force: true });
  const report = (name: string) => (outcome: string) => log(`${name}: ${outcome}`);
  // The registry goes first: it would otherwise log errors while the broker shuts down.
  await stopRecorded(paths.run, REGISTRY, 30_000).then(report(REGISTRY));
  await Promise.all([
    stopKafka(paths, log),
    stopRecorded(paths.run, REDIS, 30_000)
      .then(report(REDIS))
      .then(() => rm(redisPaths(paths).endpointFile, { force: true })),
    stopPostgres(paths, opts.env, log)
      .then((stopped) => log(`postgres: ${stopped ? 'stopped' : 'not-running'}`))
      .then(() => rm(postgresPaths(paths).endpointFile, { force: true })),
  ]);
}

/**
 * Stops the single broker and every cluster node with a pid record, whatever broker count is
 * remembered (an interrupted switch may have left either). The nodes of a cluster get SIGTERM
 * together: stopped one by one, the last would wait for a controller quorum that is gone.
 */
async function stopKafka(paths: StackPaths, log: (line: string) => void): Promise<void> {
  const names = [KAFKA, ...CLUSTER_NODE_IDS.map(clusterNodeName)];
  const outcomes = await Promise.all(names.map((name) => stopRecorded(paths.run, name, 60_000)));
  const stopped = names.flatMap((name, i) =>
    outcomes[i] === 'not-running' ? [] : [`${name} ${outcomes[i]}`],
  );
  log(`${KAFKA}: ${stopped.length === 0 ? 'not-running' : stopped.join(', ')}`);
}

/** State of each service: started by us ('running'), answering but not ours ('external'), or 'stopped'. */
export async function stackStatus(config: EaioConfig): Promise<ServiceStatus[]> {
  const paths = stackPaths(config);
  const configured = configuredEndpoints(config);
  const [kafkaOwn, registryOwn, redisOwn, postgresOwn] = await Promise.all([
    kafkaPid(paths),
    registryPid(paths),
    managedRedis(paths),
    managedPostgres(paths),
  ]);
  const external = async (own: unknown, probe: () => Promise<boolean>) =>
    own === undefined && (await probe());
  const [kafkaExt, registryExt, redisExt, postgresExt] = await Promise.all([
    external(kafkaOwn, () => probeKafka(configured.kafkaBrokers)),
    external(registryOwn, () => probeRegistry(configured.registryUrl)),
    external(redisOwn, () => probeRedis(configured.redisUrl)),
    external(postgresOwn, async () => (await probePostgres(configured.postgresUrl)).answers),
  ]);
  const status = (
    name: ServiceStatus['name'],
    endpoint: string,
    pid: number | undefined,
    isExternal: boolean,
  ): ServiceStatus =>
    pid !== undefined
      ? { name, state: 'running', endpoint, pid, managed: true }
      : { name, state: isExternal ? 'external' : 'stopped', endpoint, managed: false };
  const layout = await recordedLayout(config, paths);
  const kafka =
    layout.brokers === 1
      ? [status('kafka', configured.kafkaBrokers.join(','), kafkaOwn, kafkaExt)]
      : await Promise.all(
          layout.nodes.map(async (node): Promise<ServiceStatus> => {
            const endpoint = formatHostPort(node.listener);
            const pid = await runningPid(paths.run, node.name);
            const answers = pid === undefined && (await probeKafka([endpoint]));
            return { ...status('kafka', endpoint, pid, answers), instance: node.name };
          }),
        );
  return [
    ...kafka,
    status('registry', configured.registryUrl, registryOwn, registryExt),
    status('redis', redisOwn?.url ?? configured.redisUrl, redisOwn?.pid, redisExt),
    status('postgres', postgresOwn?.url ?? configured.postgresUrl, postgresOwn?.pid, postgresExt),
  ];
}

/**
 * The endpoints written by the last `stackUp`, only when they still hold: same configuration and
 * every service still answers. Otherwise undefined (run `stackUp`).
 */
export async function readStackEndpoints(config: EaioConfig): Promise<StackEndpoints | undefined> {
  const { endpointsFile } = stackPaths(config);
  if (!existsSync(endpointsFile)) return undefined;
  let file: EndpointsFile;
  try {
    file = JSON.parse(await readFile(endpointsFile, 'utf8')) as EndpointsFile;
  } catch {
    return undefined;
  }
  if (!isEndpoints(file) || !isEndpoints(file.configured)) return undefined;
  if (JSON.stringify(file.configured) !== JSON.stringify(configuredEndpoints(config))) return undefined;
  const answers = await Promise.all([
    probeKafka(file.kafkaBrokers),
    probeRegistry(file.registryUrl),
    probeRedis(file.redisUrl),
    probePostgres(file.postgresUrl).then((p) => p.answers && p.databaseExists),
  ]);
  if (!answers.every(Boolean)) return undefined;
  return {
    kafkaBrokers: file.kafkaBrokers,
    registryUrl: file.registryUrl,
    redisUrl: file.redisUrl,
    postgresUrl: file.postgresUrl,
  };
}

function isEndpoints(value: unknown): value is StackEndpoints {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Array.isArray(v.kafkaBrokers) &&
    v.kafkaBrokers.every((b) => typeof b === 'string') &&
    typeof v.registryUrl === 'string' &&
    typeof v.redisUrl === 'string' &&
    typeof v.postgresUrl === 'string'
  );
}
