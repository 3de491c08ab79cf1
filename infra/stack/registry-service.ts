import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { EaioConfig } from '../config/index.ts';
import { waitForTopics } from '../kafka/index.ts';
import { StackError } from './errors.ts';
import { requireJava } from './java.ts';
import { fetchApicurio } from './maven.ts';
import { urlHostPort } from './network.ts';
import type { StackPaths } from './paths.ts';
import { type ChildEnv, runningPid, spawnDetached } from './process-control.ts';
import { waitUntilReady } from './readiness.ts';

export const REGISTRY = 'registry';

/**
 * Topics of Apicurio's `kafkasql` storage. The journal is the registry's only copy of every schema
 * (and so of every schema id that messages carry forever): we create it ourselves with unlimited
 * retention rather than let the registry create it with the broker's 7-day default.
 */
export const REGISTRY_TOPICS = {
  journal: 'kafkasql-journal',
  snapshots: 'kafkasql-snapshots',
  events: 'registry-events',
} as const;

export function registryPaths(config: EaioConfig, paths: StackPaths) {
  const version = config.stack.apicurioVersion;
  const home = join(paths.lib, `apicurio-${version}`);
  return {
    home,
    runnerJar: join(home, `apicurio-registry-app-${version}-runner.jar`),
    data: join(paths.data, 'registry'),
    logFile: join(paths.logs, 'registry.log'),
  };
}

/** True when `<registryUrl>/subjects` answers 200 with a JSON array (Confluent-compatible API). */
export async function probeRegistry(registryUrl: string, timeoutMs = 1_500): Promise<boolean> {
  try {
    const response = await fetch(`${registryUrl.replace(/\/+$/, '')}/subjects`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) return false;
    return Array.isArray(await response.json());
  } catch {
    return false;
  }
}

export function registryPid(paths: StackPaths): Promise<number | undefined> {
  return runningPid(paths.run, REGISTRY);
}

/**
 * Makes sure a schema registry answers on `config.registry.url`; otherwise starts Apicurio Registry
 * with its `kafkasql` storage on `brokers`, so schemas (and their ids) live exactly as long as the
 * Kafka log that references them.
 */
export async function ensureRegistry(
  config: EaioConfig,
  paths: StackPaths,
  brokers: string[],
  opts: { log: (line: string) => void; env: ChildEnv; readyTimeoutMs?: number },
): Promise<{ url: string; managed: boolean; pid?: number }> {
  const url = config.registry.url;
  const existing = await registryPid(paths);
  if (await probeRegistry(url)) {
    return existing === undefined ? { url, managed: false } : { url, managed: true, pid: existing };
  }
  const rp = registryPaths(config, paths);
  let pid = existing;
  if (pid !== undefined) {
    opts.log(`registry: waiting for registry pid ${pid}`);
  } else {
    await requireJava('registry', opts.env);
    await fetchApicurio(config.stack.apicurioVersion, paths.lib, rp.home, opts.log, opts.env);
    await ensureJournalTopics(brokers);
    await mkdir(rp.data, { recursive: true });
    const { host, port } = urlHostPort(url, 8081);
    opts.log(
      `registry: starting Apicurio Registry on ${host}:${port} (kafkasql on ${brokers.join(',')}, log ${rp.logFile})`,
    );
    pid = await spawnDetached({
      name: REGISTRY,
      command: 'java',
      // System properties outrank application.properties in Quarkus, and need no environment.
      args: [
        `-Xmx${config.stack.javaHeap}`,
        '-Djava.awt.headless=true',
        `-Dquarkus.http.host=${host}`,
        `-Dquarkus.http.port=${port}`,
        '-Dapicurio.storage.kind=kafkasql',
        `-Dapicurio.kafkasql.bootstrap.servers=${brokers.join(',')}`,
        `-Dapicurio.kafkasql.topic=${REGISTRY_TOPICS.journal}`,
        `-Dapicurio.kafkasql.snapshots.topic=${REGISTRY_TOPICS.snapshots}`,
        `-Dapicurio.events.kafka.topic=${REGISTRY_TOPICS.events}`,
        `-Dapicurio.storage.snapshot.location=${rp.data}`,
        '-jar',
        rp.runnerJar,
      ],
      logFile: rp.logFile,
      runDir: paths.run,
      marker: rp.runnerJar,
      cwd: rp.data,
      env: opts.env,
    });
  }
  await waitUntilReady({
    service: 'registry',
    what: `schema registry ${url}`,
    check: () => probeRegistry(url),
    logFile: rp.logFile,
    pid,
    ...(opts.readyTimeoutMs ? { timeoutMs: opts.readyTimeoutMs } : {}),
  });
  return { url, managed: true, pid };
}

/** Creates the kafkasql topics when missing: one partition (the journal is totally ordered), kept forever. */
async function ensureJournalTopics(brokers: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'eaio-stack', brokers, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const forever = [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: '-1' },
      { name: 'retention.bytes', value: '-1' },
    ];
    const topics = [
      { topic: REGISTRY_TOPICS.journal, numPartitions: 1, configEntries: forever },
      { topic: REGISTRY_TOPICS.snapshots, numPartitions: 1, configEntries: forever },
      { topic: REGISTRY_TOPICS.events, numPartitions: 1 },
    ].filter((t) => !existing.has(t.topic));
    if (topics.length > 0) {
      await admin.createTopics({ topics, waitForLeaders: false });
      await waitForTopics(
        admin,
        topics.map((t) => ({ topic: t.topic, partitions: t.numPartitions })),
      );
    }
  } catch (error) {
    throw new StackError(
      'registry',
      'STACK_START_FAILED',
      'transient',
      `cannot create the registry's kafkasql topics on ${brokers.join(',')}`,
      {
        cause: error,
      },
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
