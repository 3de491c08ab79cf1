import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { configEncrypt } from '../../app/commands/config-command.ts';
import {
  ConfigError,
  ConfigSecretError,
  type ConfigSecretReason,
  createSecretScrubber,
  decryptSecret,
  encryptSecret,
  loadConfig,
  parseConfigKey,
  REDACTED,
  redactConfig,
  redactSecretValue,
  resolveConfig,
  secretPaths,
} from '../../infra/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'eaio-config-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const newKey = () => randomBytes(32).toString('base64');
const PG = 'postgres://app:hunter2-pw@db.internal:5432/eaio';

function expectThrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function reasonOf(work: () => unknown): ConfigSecretReason {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigSecretError) return error.reason;
    throw error;
  }
  throw new Error('expected a ConfigSecretError');
}

describe('secrets from files', () => {
  it('NAME_FILE reads a variable from a file, without its final newline', () => {
    const file = join(dir, 'pg');
    writeFileSync(file, `${PG}\n`);
    const resolved = resolveConfig({ env: { EAIO_POSTGRES_URL_FILE: file }, cwd: dir });
    expect(resolved.config.postgres.url).toBe(PG);
    expect(resolved.origins.get('postgres.url')).toEqual({
      layer: 'env',
      variable: 'EAIO_POSTGRES_URL_FILE',
      secretFile: file,
    });
  });

  it('{"$file": ...} in the config file reads relative to the config file', () => {
    const sub = mkdtempSync(join(dir, 'etc-'));
    writeFileSync(join(sub, 'redis.secret'), 'redis://:pw@127.0.0.1:6379\n');
    writeFileSync(join(sub, 'eaio.json'), JSON.stringify({ redis: { url: { $file: 'redis.secret' } } }));
    const config = loadConfig({}, { cwd: dir, configFile: join(sub, 'eaio.json') });
    expect(config.redis.url).toBe('redis://:pw@127.0.0.1:6379');
  });

  it('a missing secret file, or both NAME and NAME_FILE, is an error naming the variable', () => {
    expect(() => resolveConfig({ env: { EAIO_POSTGRES_URL_FILE: join(dir, 'nope') }, cwd: dir })).toThrow(
      /postgres\.url \(from environment variable EAIO_POSTGRES_URL_FILE \(file .*nope\)\): cannot read secret file/,
    );
    const file = join(dir, 'pg2');
    writeFileSync(file, PG);
    const error = expectThrown(() =>
      resolveConfig({ env: { EAIO_POSTGRES_URL_FILE: file, EAIO_POSTGRES_URL: PG }, cwd: dir }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      'both EAIO_POSTGRES_URL and EAIO_POSTGRES_URL_FILE are set',
    );
  });
});

describe('encrypted config values (AES-256-GCM)', () => {
  it('round-trip any text, with a fresh IV each time', () => {
    const key = parseConfigKey(newKey());
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (plain) => {
        const token = encryptSecret(plain, key);
        expect(token).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
        expect(decryptSecret(token, key)).toBe(plain);
      }),
    );
    expect(encryptSecret('same', key)).not.toBe(encryptSecret('same', key));
  });

  it('tell a tampered value from a wrong key', () => {
    const key = parseConfigKey(newKey());
    const token = encryptSecret(PG, key);
    fc.assert(
      fc.property(fc.integer({ min: 'v1:12345678:'.length, max: token.length - 1 }), (at) => {
        const flipped = token[at] === 'A' ? 'B' : 'A';
        const tampered = `${token.slice(0, at)}${flipped}${token.slice(at + 1)}`;
        // The last base64url character may carry unused bits; a flip there can decode to the same bytes.
        if (Buffer.from(tampered.slice(12), 'base64url').equals(Buffer.from(token.slice(12), 'base64url')))
          return;
        expect(reasonOf(() => decryptSecret(tampered, key))).toBe('tampered');
      }),
    );
    expect(reasonOf(() => decryptSecret(token, parseConfigKey(newKey())))).toBe('wrong-key');
    expect(reasonOf(() => decryptSecret('v1:zz:abc', key))).toBe('malformed');
  });

  it('need a 32-byte base64 key', () => {
    expect(reasonOf(() => parseConfigKey(undefined))).toBe('missing-key');
    expect(reasonOf(() => parseConfigKey(''))).toBe('missing-key');
    expect(reasonOf(() => parseConfigKey(randomBytes(16).toString('base64')))).toBe('invalid-key');
    expect(reasonOf(() => parseConfigKey('not base64 at all!'))).toBe('invalid-key');
  });

  it('decrypt from the config file with EAIO_CONFIG_KEY, and fail with a typed error naming key and file', () => {
    const keyText = newKey();
    const token = encryptSecret(PG, parseConfigKey(keyText));
    const file = join(dir, 'encrypted.json');
    writeFileSync(file, JSON.stringify({ postgres: { url: { $encrypted: token } } }));
    const resolved = resolveConfig({ env: { EAIO_CONFIG_KEY: keyText }, cwd: dir, configFile: file });
    expect(resolved.config.postgres.url).toBe(PG);
    expect(resolved.origins.get('postgres.url')).toEqual({ layer: 'file', file, via: 'encrypted' });

    const load = (env: Record<string, string>) => () => resolveConfig({ env, cwd: dir, configFile: file });
    expect(reasonOf(load({}))).toBe('missing-key');
    expect(reasonOf(load({ EAIO_CONFIG_KEY: newKey() }))).toBe('wrong-key');
    expect(() => load({ EAIO_CONFIG_KEY: newKey() })()).toThrow(`postgres.url (from config file ${file})`);
    const tamperedFile = join(dir, 'tampered.json');
    const tampered = `${token.slice(0, 20)}${token[20] === 'x' ? 'y' : 'x'}${token.slice(21)}`;
    writeFileSync(tamperedFile, JSON.stringify({ postgres: { url: { $encrypted: tampered } } }));
    expect(
      reasonOf(() =>
        resolveConfig({ env: { EAIO_CONFIG_KEY: keyText }, cwd: dir, configFile: tamperedFile }),
      ),
    ).toBe('tampered');
  });

  it('`eaio config encrypt` reads stdin and prints a token the loader accepts', async () => {
    const keyText = newKey();
    let printed = '';
    await configEncrypt(
      (async function* () {
        yield Buffer.from('s3cret-');
        yield 'token\n';
      })(),
      keyText,
      (t) => {
        printed += t;
      },
    );
    expect(decryptSecret(printed.trim(), parseConfigKey(keyText))).toBe('s3cret-token');
  });
});

describe('redaction', () => {
  const config = loadConfig(
    { EAIO_POSTGRES_URL: PG, EAIO_REDIS_URL: 'redis://:r3dis-pw@127.0.0.1:6379' },
    { cwd: dir },
  );

  it('secretPaths lists the schema-marked secrets for the logger', () => {
    expect(secretPaths(config).sort()).toEqual(['postgres.url', 'redis.url']);
  });

  it('URLs keep all but their password; other secrets are hidden whole', () => {
    expect(redactSecretValue(PG)).toBe(`postgres://app:${REDACTED}@db.internal:5432/eaio`);
    expect(redactSecretValue('postgres://u@h/db?sslmode=require&password=pw1')).toBe(
      `postgres://u@h/db?sslmode=require&password=${REDACTED}`,
    );
    expect(redactSecretValue('hunter2')).toBe(REDACTED);
    expect(redactSecretValue(42)).toBe(REDACTED);
  });

  it('redactConfig and the scrubber never let a password through', () => {
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('hunter2-pw');
    expect(shown).not.toContain('r3dis-pw');
    expect(shown).toContain('db.internal');
    expect(config.postgres.url).toBe(PG);
    const scrub = createSecretScrubber(config);
    expect(scrub(`connect ${PG} failed; password hunter2-pw rejected`)).not.toContain('hunter2-pw');
  });
});
