import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import type { DestinationStream } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import {
  createLogger,
  createLoggerRegistry,
  type LoggerRegistryOptions,
  maskUrlCredentials,
  REDACTED,
} from '../../infra/logging/index.ts';

/** Log lines captured in memory, parsed on read. */
function memoryLog(options: Omit<LoggerRegistryOptions, 'destination'> = {}) {
  const raw: string[] = [];
  const destination: DestinationStream = { write: (line: string) => void raw.push(line) };
  const registry = createLoggerRegistry({ ...options, destination });
  return {
    registry,
    raw,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Every string inside a parsed line, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

// A secret that cannot occur in a log line by chance, with the characters passwords really hold
// (also the ones URLs must not carry unencoded: '@', which must not end the userinfo early).
const secretArb = fc
  .string({
    unit: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!$()*+,;=~._-@'),
    minLength: 6,
    maxLength: 24,
  })
  .map((s) => `Sx${s}9q`);

describe('secret redaction', () => {
  it('no secret appears in any line, whichever way it was logged', () => {
    fc.assert(
      fc.property(secretArb, fc.constantFrom('postgres', 'redis', 'https'), (secret, scheme) => {
        const { registry, raw, lines } = memoryLog({ secretPaths: ['config.registry.basicAuth'] });
        const log = registry.logger('projector');
        const url = `${scheme}://app:${secret}@db.internal:5432/eaio`;
        log.info({ password: secret }, 'top-level key');
        log.info({ user: { password: secret, name: 'alice' } }, 'nested key');
        log.info({ a: { b: { c: { token: secret } } } }, 'deep key');
        log.info({ headers: { Authorization: `Bearer ${secret}` } }, 'header, capitalised');
        log.info({ req: { headers: { authorization: `Basic ${secret}`, cookie: secret } } }, 'request');
        log.info({ apiKey: secret, api_key: secret, 'x-api-key': secret }, 'key spellings');
        log.info({ config: { postgres: { url }, registry: { basicAuth: secret } } }, 'config dump');
        log.info({ urls: [url, `${scheme}://${secret}@host/x`] }, 'urls in an array');
        log.info({ target: `https://host/cb?token=${secret}&x=1` }, 'secret query parameter');
        log.info(`connecting to ${url}`);
        log.info('formatted %s', url);
        log.error({ err: new Error(`could not reach ${url}`) }, 'error with a url in its message');
        log.error(
          new EaioError('SINK_UNAVAILABLE', 'transient', 'sink down', { context: { password: secret, url } }),
        );
        log.warn({ err: new Error('outer', { cause: new Error(`inner ${url}`) }) }, 'cause chain');
        log.child({ url, password: secret }).info('child bindings');
        registry.logger(`component ${url}`).info('url in a component name');
        createLogger({ destination: { write: (l: string) => void raw.push(l) } }).info(
          { dsn: url },
          'shortcut',
        );

        expect(raw.length).toBe(17);
        for (const line of raw) expect(line).not.toContain(secret);
        for (const line of lines()) for (const text of strings(line)) expect(text).not.toContain(secret);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps what is not secret: the user and host of a URL, the censor marker where a key was', () => {
    const { registry, lines } = memoryLog();
    registry.logger('cli').info(
      {
        password: 'hunter22',
        db: 'postgres://app:hunter22@db:5432/eaio',
        plain: 'postgres://postgres@127.0.0.1/eaio',
      },
      'connect',
    );
    const [line] = lines();
    expect(line).toMatchObject({
      password: REDACTED,
      db: 'postgres://app:***@db:5432/eaio',
      // A bare userinfo may be a token, so it is masked too.
      plain: 'postgres://***@127.0.0.1/eaio',
      component: 'cli',
      service: 'eaio-stream',
    });
  });

  it('maskUrlCredentials leaves text without credentials untouched', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        fc.pre(!text.includes('@') && !text.includes('='));
        expect(maskUrlCredentials(text)).toBe(text);
      }),
    );
    expect(maskUrlCredentials('see http://example.com/a?b=c')).toBe('see http://example.com/a?b=c');
  });
});

describe('trace context on log lines', () => {
  const manager = new AsyncLocalStorageContextManager();
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(async () => {
    await provider.shutdown();
    context.disable();
  });

  it('adds the active span traceId and spanId, across awaits, and nothing outside a span', async () => {
    const { registry, lines } = memoryLog();
    const log = registry.logger('mcp');
    const tracer = provider.getTracer('logging-test');
    log.info('before');
    const ids = await tracer.startActiveSpan('tool call', async (span) => {
      log.info('start of span');
      await new Promise((resolve) => setImmediate(resolve));
      const child = log.child({ tool: 'get_latest_readings' });
      const inner = await tracer.startActiveSpan('query', async (innerSpan) => {
        child.info('inner span');
        innerSpan.end();
        return innerSpan.spanContext();
      });
      log.info('after await');
      span.end();
      return { outer: span.spanContext(), inner };
    });
    log.info('after');

    const [before, start, inner, after, outside] = lines();
    expect(before).not.toHaveProperty('traceId');
    expect(start).toMatchObject({ traceId: ids.outer.traceId, spanId: ids.outer.spanId });
    expect(inner).toMatchObject({
      traceId: ids.outer.traceId,
      spanId: ids.inner.spanId,
      tool: 'get_latest_readings',
    });
    expect(after).toMatchObject({ traceId: ids.outer.traceId, spanId: ids.outer.spanId });
    expect(outside).not.toHaveProperty('traceId');
    expect(outside).not.toHaveProperty('spanId');
    expect(ids.outer.traceId).toMatch(/^[0-9a-f]{32}$/);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['query', 'tool call']);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe('per-component levels', () => {
  it('starts from log.level and log.levels, and setLevel reaches loggers already handed out', () => {
    const { registry, lines } = memoryLog({ level: 'info', levels: { kafkajs: 'error' } });
    const projector = registry.logger('projector');
    const batch = projector.child({ batch: 7 });
    const kafka = registry.logger('kafkajs');
    const mcp = registry.logger('mcp');

    projector.debug('hidden 1');
    batch.debug('hidden 2');
    kafka.warn('hidden 3');
    mcp.info('shown 1');

    registry.setLevel('projector', 'debug');
    projector.debug('shown 2');
    batch.debug('shown 3');
    projector.child({ batch: 8 }).debug('shown 4');
    mcp.debug('hidden 4');
    expect(registry.levelOf('projector')).toBe('debug');
    expect(registry.levelOf('mcp')).toBe('info');

    registry.setDefaultLevel('warn');
    mcp.info('hidden 5');
    projector.debug('shown 5');

    registry.clearLevel('projector');
    batch.info('hidden 6');
    batch.warn('shown 6');
    expect(registry.levels()).toEqual({ default: 'warn', overrides: { kafkajs: 'error' } });

    expect(lines().map((l) => l.msg)).toEqual([
      'shown 1',
      'shown 2',
      'shown 3',
      'shown 4',
      'shown 5',
      'shown 6',
    ]);
    expect(lines().map((l) => l.component)).toEqual([
      'mcp',
      'projector',
      'projector',
      'projector',
      'projector',
      'projector',
    ]);
  });

  it('configure replaces the default and the overrides at once, as a reloaded log section would', () => {
    const { registry, lines } = memoryLog({ level: 'info', levels: { projector: 'debug', mcp: 'error' } });
    const projector = registry.logger('projector');
    const mcp = registry.logger('mcp');
    const cli = registry.logger('cli');
    registry.configure({ level: 'warn', levels: { cli: 'debug' } });
    projector.info('hidden 1');
    projector.warn('shown 1');
    mcp.warn('shown 2');
    cli.debug('shown 3');
    expect(registry.levels()).toEqual({ default: 'warn', overrides: { cli: 'debug' } });
    expect(lines().map((l) => l.msg)).toEqual(['shown 1', 'shown 2', 'shown 3']);
  });

  it('a child naming another component follows that component', () => {
    const { registry, lines } = memoryLog({ level: 'info', levels: { 'runtime:anomalies': 'debug' } });
    const runtime = registry.logger('platform').child({ component: 'runtime:anomalies' });
    runtime.debug('runtime debug');
    registry.logger('platform').debug('platform debug');
    registry.setLevel('runtime:anomalies', 'error');
    runtime.warn('runtime warn');
    expect(lines().map((l) => l.msg)).toEqual(['runtime debug']);
    expect(lines()[0]?.component).toBe('runtime:anomalies');
  });

  it('refuses a level that does not exist, with a coded error', () => {
    const { registry } = memoryLog();
    expect(() => registry.setLevel('projector', 'verbose' as 'info')).toThrow(EaioError);
    try {
      createLoggerRegistry({ level: 'loud' as 'info' });
    } catch (error) {
      expect(error).toBeInstanceOf(EaioError);
      expect((error as EaioError).code).toBe('INVALID_ARGUMENT');
    }
    expect(() => createLoggerRegistry({ level: 'loud' as 'info' })).toThrow(/not a log level/);
  });
});
