import { z } from 'zod';

/**
 * The one description of EAIO Stream's configuration. Parsed once at start-up; every component
 * receives the slice it needs as an argument.
 */
export const configSchema = z.object({
  stateDir: z
    .string()
    .default('.stack')
    .describe('Folder for runtime state: downloaded jars, broker data, logs, pid files (git-ignored).'),
  kafka: z
    .object({
      brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']).describe('Bootstrap brokers.'),
      clientId: z.string().default('eaio').describe('kafkajs client id.'),
      topicPrefix: z
        .string()
        .default('eaio.')
        .describe('Prefix for every topic name (isolates tests and tenants).'),
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
      url: z.string().default('redis://127.0.0.1:6379').describe('Redis URL.'),
      keyPrefix: z.string().default('eaio:').describe('Prefix for every Redis key.'),
    })
    .prefault({}),
  postgres: z
    .object({
      url: z.string().default('postgres://postgres@127.0.0.1:5432/eaio').describe('PostgreSQL URL.'),
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]*$/)
        .default('eaio')
        .describe('Schema holding the read models.'),
    })
    .prefault({}),
  mcp: z
    .object({
      host: z.string().default('127.0.0.1').describe('Interface the MCP Streamable HTTP server binds.'),
      port: z.number().int().min(0).max(65535).default(3000).describe('Port of the MCP HTTP server.'),
    })
    .prefault({}),
  log: z
    .object({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('Log level of every component.'),
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
