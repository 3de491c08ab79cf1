import { z } from 'zod';

/**
 * Extra facts about a key, kept on the schema with `.meta()` so that the environment variables, the
 * configuration reference (docs/configuration.md) and the logger's redaction list are all derived from this one file.
 */
export interface ConfigKeyMeta {
  /** The value must never be printed or logged (passwords, tokens, URLs that may carry a password). */
  readonly secret?: boolean;
  /** Older environment variable names still honoured (the derived `EAIO_<PATH>` name always works). */
  readonly envAliases?: readonly string[];
  /** An empty environment variable sets the empty string (a prefix may be empty); otherwise it is ignored. */
  readonly allowEmpty?: boolean;
}

const meta = (m: ConfigKeyMeta) => m as Record<string, unknown>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = () => z.number().int().min(0).max(65535);

/** A loopback demo device's port: never its protocol's standard one, which a real device or tool may own. */
const demoDevicePort = (standard: number) =>
  port()
    .refine((p) => p !== standard, `not ${standard}, the protocol's standard port: take 0 or another`)
    .default(0);

/**
 * The JWS algorithms a token may be signed with: asymmetric only, so a public key can never be used
 * as an HMAC secret (HS/RS confusion) and `none` is not among them.
 */
export const TOKEN_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
] as const;

export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** The roles a token or the local principal may name (the MCP adapter's `ROLES`, kept equal by a test). */
export const PRINCIPAL_ROLES = ['viewer', 'analyst', 'operator', 'approver', 'admin'] as const;

/** The faults the simulator injects; the simulator's `FAULT_KINDS` is this list. */
export const SIMULATOR_FAULT_KINDS = [
  'spike',
  'flatline',
  'gap',
  'unit_mixup',
  'duplicate',
  'late',
  'clock_drift',
] as const;

/** A simulated duration: a whole number of seconds, minutes, hours, days or weeks (`0` for none). */
const SIMULATOR_DURATION = /^(0|\d+[smhdw])$/;

/** The tenant value of a principal that sees every tenant (the MCP adapter's `ALL_TENANTS`). */
const EVERY_TENANT = '*';

/**
 * The one description of EAIO Stream's configuration. Parsed once at start-up; every component
 * receives the slice it needs as an argument. Each key's environment variable is `EAIO_` followed by
 * its path in upper snake case (`kafka.sessionTimeoutMs` ↔ `EAIO_KAFKA_SESSION_TIMEOUT_MS`).
 */
export const configSchema = z.object({
  stateDir: z
    .string()
    .default('.stack')
    .describe('Folder for runtime state: downloaded jars, broker data, logs, pid files (git-ignored).'),
  kafka: z
    .object({
      brokers: z
        .array(z.string().min(1))
        .min(1)
        .default(['127.0.0.1:9092'])
        .describe('Bootstrap brokers (comma-separated in a variable or flag).'),
      clientId: z.string().min(1).default('eaio').describe('kafkajs client id.'),
      topicPrefix: z
        .string()
        .default('eaio.')
        .describe('Prefix for every topic name (isolates tests and tenants).')
        .meta(meta({ envAliases: ['EAIO_TOPIC_PREFIX'], allowEmpty: true })),
      sessionTimeoutMs: z
        .number()
        .int()
        .min(6_000)
        .max(300_000)
        .default(30_000)
        .describe(
          'Consumer session timeout: how long a crashed member keeps its partitions before a rebalance.',
        ),
    })
    .prefault({}),
  registry: z
    .object({
      url: z
        .url()
        .default('http://127.0.0.1:8081/apis/ccompat/v7')
        .describe('Base URL of a Confluent-compatible schema registry API.'),
    })
    .prefault({}),
  redis: z
    .object({
      url: z
        .string()
        .min(1)
        .default('redis://127.0.0.1:6379')
        .describe('Redis URL; may carry a password, so it is treated as a secret.')
        .meta(meta({ secret: true })),
      keyPrefix: z
        .string()
        .default('eaio:')
        .describe('Prefix for every Redis key.')
        .meta(meta({ allowEmpty: true })),
    })
    .prefault({}),
  postgres: z
    .object({
      url: z
        .string()
        .min(1)
        .default('postgres://postgres@127.0.0.1:5432/eaio')
        .describe('PostgreSQL URL; may carry a password, so it is treated as a secret.')
        .meta(meta({ secret: true })),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .default('eaio')
        .describe('Schema holding the read models.'),
    })
    .prefault({}),
  mcp: z
    .object({
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe('Interface the MCP Streamable HTTP server binds.'),
      port: port().default(3000).describe('Port of the MCP HTTP server.'),
      rateLimit: z
        .object({
          requestsPerMinute: z
            .number()
            .int()
            .min(1)
            .default(120)
            .describe('MCP requests one client may make per minute (sustained rate).'),
          burst: z
            .number()
            .int()
            .min(1)
            .default(20)
            .describe(
              'Requests one client may make at once above the sustained rate; this allowance refills every 10 minutes.',
            ),
          tools: z
            .record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.coerce.number().int().min(1))
            .default({})
            .describe(
              'Per-tool calls one client may make per minute, on top of the limits above, e.g. `weather_impact=10`.',
            ),
          dailyQuota: z
            .number()
            .int()
            .min(0)
            .default(0)
            .describe('Tool calls one client may make per 24 hours from its first call (0: no quota).'),
        })
        .prefault({}),
      allowedHosts: z
        .array(z.string().min(1))
        .default([])
        .describe(
          'Host header names accepted besides loopback names and the resource URI host (DNS-rebinding protection); list the names clients use when binding a non-loopback interface.',
        ),
      allowedOrigins: z
        .array(z.string().min(1))
        .default([])
        .describe(
          'Origin hostnames browsers may call from besides loopback names and the resource URI host; a request with another Origin is refused.',
        ),
      maxRequestBodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(1_048_576)
        .describe('Largest MCP request body accepted; a larger one is answered 413 before it is parsed.'),
      shutdownGraceMs: z
        .number()
        .int()
        .min(0)
        .default(10_000)
        .describe(
          'How long a shutdown waits for MCP calls in flight to finish before closing their connections.',
        ),
      auth: z
        .object({
          mode: z
            .enum(['jwt', 'none'])
            .default('jwt')
            .describe(
              'How HTTP callers are identified: `jwt` (a bearer token on every request, loopback too) or `none` (every caller is the local principal; refused unless bound to loopback).',
            ),
          issuer: z
            .string()
            .min(1)
            .default('urn:eaio:local-issuer')
            .describe(
              "Expected `iss` of tokens: your identity provider's issuer, or the local issuer of `eaio token issue`.",
            ),
          audience: z
            .url()
            .optional()
            .describe(
              "This server's resource URI, the `aud` tokens must carry (RFC 8707); default `http://<mcp.host>:<mcp.port>/mcp`.",
            ),
          jwksUrl: z
            .url()
            .optional()
            .describe(
              'JWKS URL of the identity provider; keys are cached and refetched when a token names an unknown key (rotation).',
            ),
          publicKey: z
            .string()
            .min(1)
            .optional()
            .describe('Path of a PEM public key (SPKI) tokens are verified with, instead of a JWKS URL.'),
          algorithms: z
            .array(z.enum(TOKEN_ALGORITHMS))
            .min(1)
            .default(['ES256', 'RS256'])
            .describe('JWS algorithms a token may be signed with (asymmetric only; never `none` or HS*).'),
          clockToleranceSeconds: z
            .number()
            .int()
            .min(0)
            .max(300)
            .default(30)
            .describe('Clock skew allowed when checking `exp` and `nbf`.'),
          jwksCooldownSeconds: z
            .number()
            .int()
            .min(0)
            .default(30)
            .describe('Least time between two JWKS fetches caused by unknown keys.'),
          jwksCacheMaxAgeSeconds: z
            .number()
            .int()
            .min(1)
            .default(600)
            .describe('How long fetched JWKS keys are used before they are fetched again.'),
          localKeyDir: z
            .string()
            .min(1)
            .optional()
            .describe(
              'Folder of the local signing key of `eaio token issue` (created once; private key mode 0600); default `<stateDir>/auth`. Trusted when neither jwksUrl nor publicKey is set.',
            ),
        })
        .prefault({}),
      stdio: z
        .object({
          subject: z
            .string()
            .min(1)
            .default('local')
            .describe('Subject of the principal `eaio mcp --stdio` serves.'),
          role: z
            .enum(PRINCIPAL_ROLES)
            .default('admin')
            .describe(
              'Role of the principal `eaio mcp --stdio` serves (and HTTP with `mcp.auth.mode=none`).',
            ),
          tenant: z
            .string()
            .min(1)
            .default(EVERY_TENANT)
            .describe('Tenant of that principal; `*` (every tenant) only for the admin role.'),
        })
        .superRefine((stdio, ctx) => {
          if (stdio.role !== 'admin' && stdio.tenant === EVERY_TENANT)
            ctx.addIssue({
              code: 'custom',
              path: ['tenant'],
              message: `a ${stdio.role} serves one tenant: set mcp.stdio.tenant`,
            });
        })
        .prefault({}),
    })
    .prefault({}),
  metrics: z
    .object({
      enabled: z
        .boolean()
        .default(false)
        .describe(
          'Serve Prometheus metrics. Off by default: several eaio processes on one host would contend for one port.',
        ),
      host: z.string().min(1).default('127.0.0.1').describe('Interface the metrics server binds.'),
      port: port().default(9464).describe('Port of the metrics server (0: any free port).'),
    })
    .prefault({}),
  opsPage: z
    .object({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          'Serve the operations page (pipeline, dead letters, read models, buildings, commands) from `eaio start` and `eaio mcp --http`; sign-in takes the same bearer tokens as the MCP server.',
        ),
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe('Interface the operations page binds; loopback by default.'),
      port: port().default(3100).describe('Port of the operations page (0: any free port).'),
      refreshSeconds: z
        .number()
        .int()
        .min(2)
        .max(3600)
        .default(15)
        .describe("How often a building view's live chart asks for new data."),
    })
    .prefault({}),
  health: z
    .object({
      enabled: z
        .boolean()
        .default(false)
        .describe('Serve liveness and readiness on the metrics server (metrics.host:metrics.port).'),
      livenessPath: z.string().startsWith('/').default('/health/live').describe('Path answering liveness.'),
      readinessPath: z
        .string()
        .startsWith('/')
        .default('/health/ready')
        .describe('Path answering readiness (connected to Kafka, Redis and PostgreSQL).'),
    })
    .prefault({}),
  cache: z
    .object({
      weatherTtlSeconds: z
        .number()
        .int()
        .min(0)
        .default(3600)
        .describe('How long cached weather answers are served before the read model is asked again.'),
      sensorsTtlSeconds: z
        .number()
        .int()
        .min(0)
        .default(300)
        .describe('How long cached sensor answers are served before the read model is asked again.'),
      energyTtlSeconds: z
        .number()
        .int()
        .min(1)
        .default(900)
        .describe(
          'How long cached consumption and peer-comparison answers are served (newer events evict them sooner).',
        ),
      controlTtlSeconds: z
        .number()
        .int()
        .min(1)
        .default(60)
        .describe('How long cached control-command answers are served (newer events evict them sooner).'),
      buildingsTtlSeconds: z
        .number()
        .int()
        .min(1)
        .default(3600)
        .describe(
          "How long a building's registration (its tenant, checked on every call of a tenant's agent) is cached; a new registration evicts it sooner.",
        ),
    })
    .prefault({}),
  quality: z
    .object({
      maxFutureMs: z
        .number()
        .int()
        .min(0)
        .default(7_200_000)
        .describe('A reading further ahead of the stream time than this is `future_timestamp`.'),
      futureQuorum: z
        .number()
        .int()
        .min(1)
        .default(2)
        .describe('Distinct meters that must be that far ahead together to move the stream time.'),
      gapFactor: z
        .number()
        .gt(1)
        .default(1.5)
        .describe('A `gap` is two readings more than the expected interval × this apart.'),
      spikeMadFactor: z
        .number()
        .gt(0)
        .default(5)
        .describe('A spike must exceed the median by this many robust standard deviations.'),
      stuckMinDurationMs: z
        .number()
        .int()
        .min(1)
        .default(86_400_000)
        .describe('A run of equal values lasting this long (event time) is `stuck_value`.'),
    })
    .prefault({}),
  simulator: z
    .object({
      buildings: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(8)
        .describe(
          'Buildings `eaio simulate` and `npm start` simulate: the BDG1 sample buildings first, then other real BDG1 buildings of the shipped weather stations, then synthetic ones drawn from the BDG1 mix.',
        ),
      intervalSeconds: z
        .number()
        .int()
        .min(1)
        .max(86_400)
        .default(60)
        .describe('Simulated seconds between two readings of one meter (each reading covers that interval).'),
      backfill: z
        .string()
        .regex(SIMULATOR_DURATION, 'must be a duration such as 0, 90s, 15m, 6h or 7d')
        .default('1d')
        .describe(
          'Simulated time before now that is produced first, at full speed, e.g. `6h` or `7d`; `0` for none.',
        ),
      seed: z
        .number()
        .int()
        .min(0)
        .default(1)
        .describe(
          'Seed of the synthetic buildings, the noise and the faults: the same seed replays the same run.',
        ),
      faults: z
        .partialRecord(z.enum(SIMULATOR_FAULT_KINDS), z.coerce.number().min(0).max(1))
        .default({})
        .describe(
          'Fault rates: the probability, per reading, that a fault of the kind starts there, e.g. `spike=0.001,gap=0.0005`. Kinds: spike, flatline, gap, unit_mixup, duplicate, late, clock_drift.',
        ),
      groundTruthPath: z
        .string()
        .min(1)
        .default('.stack/simulator-ground-truth.jsonl')
        .describe('JSONL file the simulator records every injected fault in (replaced on each run).'),
      devices: z
        .object({
          enabled: z
            .boolean()
            .default(true)
            .describe(
              "Run `npm start`'s demo devices: a simulated Modbus plant and a simulated BACnet device on loopback, each one zone of a demo building, with their gateways read-write, so an agent can drive the control loop at once.",
            ),
          modbusPort: demoDevicePort(502).describe(
            'TCP port of the demo Modbus plant on 127.0.0.1 (0: any free one; never 502).',
          ),
          bacnetPort: demoDevicePort(47_808).describe(
            'UDP port of the demo BACnet device on 127.0.0.1 (0: any free one; never 47808, which other BACnet software on the host holds).',
          ),
        })
        .prefault({}),
    })
    .prefault({}),
  tracing: z
    .object({
      enabled: z
        .boolean()
        .default(false)
        .describe('Record OpenTelemetry spans and propagate trace context through Kafka headers and events.'),
      exporter: z
        .enum(['none', 'console'])
        .default('none')
        .describe(
          'Where spans go: `none` (ids still reach logs and events), `console` (a JSON line per span on stderr).',
        ),
      sampleRatio: z
        .number()
        .min(0)
        .max(1)
        .default(1)
        .describe('Share of new traces recorded; a continued trace follows its parent.'),
    })
    .prefault({}),
  log: z
    .object({
      level: z.enum(LOG_LEVELS).default('info').describe('Log level of every component.'),
      levels: z
        .record(z.string().regex(/^[a-z][a-z0-9:._-]*$/), z.enum(LOG_LEVELS))
        .default({})
        .describe('Per-component log levels over `log.level`, e.g. `projector=debug,mcp=warn`.'),
    })
    .prefault({}),
  // Forecast models (issue 15): the periodic trainer and forecaster of `eaio start`.
  models: z
    .object({
      job: z
        .object({
          enabled: z
            .boolean()
            .default(true)
            .describe(
              'Train and forecast periodically under `npm start`; `eaio models train` / `eaio models forecast` run it regardless.',
            ),
          intervalSeconds: z
            .number()
            .int()
            .min(60)
            .default(3600)
            .describe(
              "Time between two runs. Training windows are whole UTC days, so a day's runs re-derive the same models (duplicates the read model ignores); forecasts are issued on the hour.",
            ),
          versions: z
            .array(z.string().min(1))
            .default(['towt-v1', 'towt-v2', 'towt-v3', 'seasonal-naive-v1'])
            .describe('Model versions trained and forecast side by side, e.g. `towt-v1,seasonal-naive-v1`.'),
        })
        .prefault({}),
    })
    .prefault({}),
  weather: z
    .object({
      poller: z
        .object({
          enabled: z
            .boolean()
            .default(false)
            .describe(
              'Run the weather poller under `npm start` (off by default: many machines have no internet). `eaio weather poll` runs it regardless.',
            ),
          intervalSeconds: z
            .number()
            .positive()
            .default(900)
            .describe(
              'Time between two polls of one station; answers are cached for this long, so a station is never fetched twice within it.',
            ),
          timeoutMs: z
            .number()
            .int()
            .min(1)
            .default(10_000)
            .describe('How long one request to the weather service may take before it counts as failed.'),
          attempts: z
            .number()
            .int()
            .min(1)
            .default(3)
            .describe(
              'Tries per request when the service fails transiently (5xx, 429, timeout, connection lost), the first one included; `Retry-After` is honoured.',
            ),
          observationLookbackHours: z
            .number()
            .int()
            .min(1)
            .max(2_160)
            .default(168)
            .describe(
              "How far back the first poll of a station asks for observed hours (the public archive lags by days); later polls ask from the station's last produced hour.",
            ),
        })
        .prefault({}),
      openMeteo: z
        .object({
          forecastUrl: z
            .url()
            .default('https://api.open-meteo.com/v1/forecast')
            .describe(
              'Forecast endpoint of Open-Meteo, or of a self-hosted Open-Meteo or any server answering in its shape.',
            ),
          archiveUrl: z
            .url()
            .default('https://archive-api.open-meteo.com/v1/archive')
            .describe('Archive (historical weather) endpoint the observed hours are read from.'),
        })
        .prefault({}),
      stations: z
        .array(
          z.object({
            id: z.string().min(1).describe('Station id, as BuildingRegistered.weatherStationId names it.'),
            latitude: z.number().min(-90).max(90).describe('WGS84 latitude of the station.'),
            longitude: z.number().min(-180).max(180).describe('WGS84 longitude of the station.'),
          }),
        )
        .default([])
        .refine((stations) => new Set(stations.map((s) => s.id)).size === stations.length, {
          message: 'station ids must be unique',
        })
        .describe('Stations to poll, as a JSON array: `[{"id":"EGLL","latitude":51.47,"longitude":-0.45}]`.'),
      alerts: z
        .object({
          heatC: z
            .number()
            .default(30)
            .describe('A forecast at or above this temperature (°C) raises a heat alert.'),
          coldC: z
            .number()
            .default(-10)
            .describe('A forecast at or below this temperature (°C) raises a cold alert.'),
          horizonHours: z
            .number()
            .int()
            .min(1)
            .max(384)
            .default(48)
            .describe('How far ahead of the forecast issue time crossings raise alerts.'),
        })
        .superRefine((alerts, ctx) => {
          if (alerts.coldC >= alerts.heatC)
            ctx.addIssue({
              code: 'custom',
              path: ['coldC'],
              message: `must be below weather.alerts.heatC (${alerts.heatC})`,
            });
        })
        .prefault({}),
    })
    .prefault({}),
  stack: z
    .object({
      kafkaVersion: z.string().default('3.9.1').describe('Apache Kafka version fetched from Maven Central.'),
      kafkaControllerPort: z
        .number()
        .int()
        .min(1)
        .max(65535)
        .default(9093)
        .describe('KRaft controller port.'),
      apicurioVersion: z
        .string()
        .default('3.0.9')
        .describe('Apicurio Registry version (3.0.x runs on Java 17; 3.3 needs Java 21).'),
      javaHeap: z.string().default('512m').describe('Max heap for each local JVM service.'),
    })
    .prefault({}),
});

export type EaioConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The sections a running process may change without a restart (SIGHUP or an edit of the config
 * file). Everything else (endpoints, ports, prefixes) is wired into connections at start-up.
 */
export const RELOADABLE_SECTIONS = ['quality', 'cache', 'mcp.rateLimit', 'log'] as const;

export type ReloadableSection = (typeof RELOADABLE_SECTIONS)[number];

/** The value of each reloadable section, by its path. */
export interface ReloadableConfig {
  readonly quality: EaioConfig['quality'];
  readonly cache: EaioConfig['cache'];
  readonly 'mcp.rateLimit': EaioConfig['mcp']['rateLimit'];
  readonly log: EaioConfig['log'];
}

/** The reloadable slice of `config`, section by section. */
export function reloadableSlice(config: EaioConfig): ReloadableConfig {
  return {
    quality: config.quality,
    cache: config.cache,
    'mcp.rateLimit': config.mcp.rateLimit,
    log: config.log,
  };
}

/** The level one component logs at: its own entry in `log.levels`, else `log.level`. */
export function logLevelFor(log: EaioConfig['log'], component: string): LogLevel {
  return log.levels[component] ?? log.level;
}
