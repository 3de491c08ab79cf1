import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, ENVIRONMENT_VARIABLES, resolveConfig } from '../../infra/config/index.ts';
import { serverProperties } from '../../infra/stack/kafka-service.ts';
import { REGISTRY_TOPICS } from '../../infra/stack/registry-service.ts';

// The compose file cannot be started here (no Docker engine), so this test holds it to what the native
// stack and the config schema say: a version or port changed on one side fails here until the other follows.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INFRA = join(ROOT, 'infra');
const read = (path: string) => readFile(join(ROOT, path), 'utf8');

const Service = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.string()).default({}),
  ports: z.array(z.string()).default([]),
  volumes: z.array(z.string()).default([]),
  depends_on: z
    .union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string() }))])
    .optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
});
type Service = z.infer<typeof Service>;
const Compose = z.object({ services: z.record(z.string(), Service) });

const PrometheusConfig = z.object({
  scrape_configs: z.array(
    z.object({
      job_name: z.string(),
      metrics_path: z.string(),
      static_configs: z.array(z.object({ targets: z.array(z.string()) })),
    }),
  ),
});

const compose = Compose.parse(load(await read('infra/docker-compose.yml')));
const defaults = configSchema.parse({});
// The README names the majors in its prerequisites; the Prometheus and Grafana ports are in docs/observability.md.
const readme = [await read('README.md'), await read('docs/observability.md')].join('\n');
const packageJson = z
  .object({ scripts: z.record(z.string(), z.string()), devDependencies: z.record(z.string(), z.string()) })
  .parse(JSON.parse(await read('package.json')));
const dockerfile = await read('Dockerfile');

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`infra/docker-compose.yml has no service ${name}`);
  return found;
}

/** `127.0.0.1:9092:29092` → host IP, host port, container port. */
function published(name: string) {
  return service(name).ports.map((spec) => {
    const [hostIp, host, container] = spec.split(':');
    return { hostIp, host: Number(host), container: Number(container) };
  });
}

const portOf = (url: string) => Number(new URL(url).port);
const brokerPort = (hostPort: string) => Number(hostPort.split(':').at(-1));

/** A major from the README's prerequisites table, e.g. `| Redis 7 (optional) |`. */
function readmeMajor(product: string): string {
  const match = new RegExp(`^\\| ${product} (\\d+)\\b`, 'm').exec(readme);
  if (!match?.[1]) throw new Error(`README prerequisites name no ${product} major`);
  return match[1];
}

/** A server.properties key as the apache/kafka image reads it from the environment. */
const kafkaEnvName = (key: string) =>
  `KAFKA_${key.replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_').toUpperCase()}`;

/** Keys that differ by design: compose adds a listener for the host and keeps data in a volume. */
const HOST_SPECIFIC = new Set([
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'log.dirs',
]);

/** An exact release (`3.9.1`, `v3.5.0`, `2.17.2-pg15`, `24.21.0-trixie-slim`): never `latest` nor `7`. */
const EXACT_TAG = /^[a-z0-9./-]+:v?\d+\.\d+\.\d+(?:-[a-z0-9.]+)*$/;

describe('infra/docker-compose.yml stays in step with the native stack', () => {
  it('pins every image, the Dockerfile base included, to an exact version', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image === undefined, `${name}: image or build, not both`).not.toBe(s.build === undefined);
      if (s.image !== undefined) expect(s.image, name).toMatch(EXACT_TAG);
    }
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(EXACT_TAG);
  });

  it('runs the Kafka and registry versions the native stack fetches, and its Node', () => {
    expect(service('kafka').image).toBe(`apache/kafka:${defaults.stack.kafkaVersion}`);
    expect(service('registry-topics').image).toBe(service('kafka').image);
    expect(service('registry').image).toBe(`apicurio/apicurio-registry:${defaults.stack.apicurioVersion}`);
    const nodeVersion = packageJson.devDependencies.node;
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${nodeVersion?.replaceAll('.', '\\.')}-`, 'm'));
  });

  it('runs the Redis and PostgreSQL majors the README names for the native path', () => {
    expect(service('redis').image).toMatch(new RegExp(`^redis:${readmeMajor('Redis')}\\.`));
    expect(service('timescaledb').image).toMatch(
      new RegExp(`^timescale/timescaledb:[\\d.]+-pg${readmeMajor('PostgreSQL')}$`),
    );
  });

  it('configures the broker as infra/stack does, and no more', () => {
    const env = service('kafka').environment;
    const native = serverProperties(
      { host: '127.0.0.1', port: brokerPort(defaults.kafka.brokers[0] ?? '') },
      defaults.stack.kafkaControllerPort,
      '/unused',
    )
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split('=', 2) as [string, string]);
    for (const [key, value] of native)
      if (!HOST_SPECIFIC.has(key)) expect(env[kafkaEnvName(key)], key).toBe(value);
    const expected = new Set([...native.map(([key]) => kafkaEnvName(key)), 'KAFKA_HEAP_OPTS']);
    expect(Object.keys(env).filter((name) => !expected.has(name))).toEqual([]);
    expect(env.KAFKA_HEAP_OPTS).toContain(`-Xmx${defaults.stack.javaHeap}`);
  });

  it('publishes every service on the native port, on loopback only', () => {
    for (const name of Object.keys(compose.services))
      for (const port of published(name)) expect(port.hostIp, name).toBe('127.0.0.1');
    const kafkaPort = brokerPort(defaults.kafka.brokers[0] ?? '');
    const [kafka] = published('kafka');
    expect(kafka?.host).toBe(kafkaPort);
    // The host reaches the broker through the listener that advertises the host's address.
    const env = service('kafka').environment;
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`HOST://127.0.0.1:${kafkaPort}`);
    expect(env.KAFKA_LISTENERS).toContain(`HOST://:${kafka?.container}`);
    expect(published('registry').map((p) => p.host)).toEqual([portOf(defaults.registry.url)]);
    expect(published('redis').map((p) => p.host)).toEqual([portOf(defaults.redis.url)]);
    expect(published('timescaledb').map((p) => p.host)).toEqual([portOf(defaults.postgres.url)]);
    expect(published('platform')).toEqual([
      { hostIp: '127.0.0.1', host: defaults.mcp.port, container: defaults.mcp.port },
      { hostIp: '127.0.0.1', host: defaults.metrics.port, container: defaults.metrics.port },
    ]);
    const prometheusPort = Number(/--web\.listen-address=127\.0\.0\.1:(\d+)/.exec(readme)?.[1]);
    const grafanaPort = Number(/GF_SERVER_HTTP_PORT=(\d+)/.exec(readme)?.[1]);
    expect(published('prometheus').map((p) => p.host)).toEqual([prometheusPort]);
    expect(published('grafana').map((p) => p.host)).toEqual([grafanaPort]);
    expect(service('grafana').environment.GF_SERVER_HTTP_PORT).toBe(String(grafanaPort));
  });

  it('sets only real config keys on the platform, each reaching the config through the loader', async () => {
    const env = service('platform').environment;
    expect(Object.keys(env).length).toBeGreaterThan(0);
    const resolved = resolveConfig({ env, cwd: await mkdtemp(join(tmpdir(), 'eaio-compose-')) });
    for (const name of Object.keys(env)) {
      const path = ENVIRONMENT_VARIABLES[name];
      expect(path, `${name} is no config variable`).toBeDefined();
      expect(resolved.origins.get(path ?? '')).toEqual({ layer: 'env', variable: name });
    }
  });

  it('points the platform at the compose services, which it waits for', async () => {
    const env = service('platform').environment;
    const { config } = resolveConfig({ env, cwd: await mkdtemp(join(tmpdir(), 'eaio-compose-')) });
    expect(config.kafka.brokers).toEqual(['kafka:9092']);
    expect(service('kafka').environment.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    const inside = (name: string) => published(name).map((p) => p.container);
    const registry = new URL(config.registry.url);
    expect([registry.hostname, Number(registry.port), registry.pathname]).toEqual([
      'registry',
      inside('registry')[0],
      new URL(defaults.registry.url).pathname,
    ]);
    const redis = new URL(config.redis.url);
    expect([redis.hostname, Number(redis.port)]).toEqual(['redis', inside('redis')[0]]);
    const postgres = new URL(config.postgres.url);
    const native = new URL(defaults.postgres.url);
    const db = service('timescaledb').environment;
    expect([postgres.hostname, Number(postgres.port)]).toEqual(['timescaledb', inside('timescaledb')[0]]);
    expect([postgres.pathname, postgres.username]).toEqual([native.pathname, native.username]);
    expect([`/${db.POSTGRES_DB}`, db.POSTGRES_USER]).toEqual([native.pathname, native.username]);
    for (const name of ['kafka', 'registry', 'redis', 'timescaledb']) {
      expect(service('platform').depends_on).toMatchObject({ [name]: { condition: 'service_healthy' } });
      expect(service(name).healthcheck, name).toBeDefined();
    }
  });

  it("starts the platform with npm start's command, which creates the catalogue's topics", () => {
    // `eaio start` runs preparePlatform, which creates the catalogue's topics: the same command as
    // natively, so nothing else has to (and the broker refuses to auto-create them).
    const start = (packageJson.scripts.start ?? '').split(/\s+/);
    expect(start.at(-1)).toBe('start');
    expect(service('platform').command).toEqual(start);
    expect(JSON.parse(/^CMD\s+(\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null')).toEqual(start);
    expect(service('kafka').environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    const build = service('platform').build;
    expect(build && existsSync(join(INFRA, build.context, build.dockerfile))).toBe(true);
  });

  it("creates the registry's kafkasql topics first, the journal kept forever", () => {
    const env = service('registry').environment;
    expect([
      env.APICURIO_KAFKASQL_TOPIC,
      env.APICURIO_KAFKASQL_SNAPSHOTS_TOPIC,
      env.APICURIO_EVENTS_KAFKA_TOPIC,
    ]).toEqual([REGISTRY_TOPICS.journal, REGISTRY_TOPICS.snapshots, REGISTRY_TOPICS.events]);
    const command = [service('registry-topics').command ?? ''].flat().join(' ');
    const creates = (topic: string) =>
      command.split(';').find((step) => new RegExp(`--topic ${topic}\\s`).test(`${step} `)) ?? '';
    for (const topic of Object.values(REGISTRY_TOPICS))
      expect(creates(topic), topic).toContain('--partitions 1');
    for (const topic of [REGISTRY_TOPICS.journal, REGISTRY_TOPICS.snapshots]) {
      expect(creates(topic)).toContain('retention.ms=-1');
      expect(creates(topic)).toContain('retention.bytes=-1');
    }
    expect(service('registry').depends_on).toMatchObject({
      'registry-topics': { condition: 'service_completed_successfully' },
    });
  });

  it('scrapes the platform as the native job does, and provisions its dashboard in Grafana', async () => {
    const mounts = Object.values(compose.services).flatMap((s) =>
      s.volumes.filter((v) => v.startsWith('./')).map((v) => v.split(':')),
    );
    for (const [source] of mounts) expect(existsSync(join(INFRA, source ?? '')), source).toBe(true);
    const mountOf = (target: string) => mounts.find(([, to]) => to === target)?.[0] ?? '';

    const native = PrometheusConfig.parse(load(await read('infra/observability/prometheus.yml')));
    const ours = PrometheusConfig.parse(
      load(await readFile(join(INFRA, mountOf('/etc/prometheus/prometheus.yml')), 'utf8')),
    );
    const [nativeJob] = native.scrape_configs;
    const [job] = ours.scrape_configs;
    expect([job?.job_name, job?.metrics_path]).toEqual([nativeJob?.job_name, nativeJob?.metrics_path]);
    expect(job?.static_configs.flatMap((c) => c.targets)).toEqual([`platform:${defaults.metrics.port}`]);

    const dashboard = mounts.find(([source]) => source === './observability/grafana-dashboard.json');
    expect(dashboard).toBeDefined();
    const providers = z
      .object({ providers: z.array(z.object({ options: z.object({ path: z.string() }) })) })
      .parse(
        load(await readFile(join(INFRA, mountOf('/etc/grafana/provisioning/dashboards/eaio.yml')), 'utf8')),
      );
    expect(dashboard?.[1]?.startsWith(`${providers.providers[0]?.options.path}/`)).toBe(true);
    const sources = z
      .object({
        datasources: z.array(z.object({ type: z.string(), url: z.string(), isDefault: z.boolean() })),
      })
      .parse(
        load(await readFile(join(INFRA, mountOf('/etc/grafana/provisioning/datasources/eaio.yml')), 'utf8')),
      );
    expect(sources.datasources).toEqual([
      {
        type: 'prometheus',
        url: `http://prometheus:${published('prometheus')[0]?.container}`,
        isDefault: true,
      },
    ]);
  });
});
