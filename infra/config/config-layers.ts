import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ConfigIssue, type ConfigOrigin, ConfigSecretError } from './config-errors.ts';
import { CONFIG_KEYS, type ConfigKey, findConfigKey } from './config-keys.ts';
import { decryptSecret, parseConfigKey } from './secret-cipher.ts';

/** One value set by one layer: a leaf key, or one entry of a map key (`log.levels.projector`). */
export interface ConfigAssignment {
  readonly path: string;
  readonly value: unknown;
  readonly origin: ConfigOrigin;
}

/** What one layer contributes, and what was wrong in it (reported together after all layers). */
export interface ConfigLayer {
  readonly assignments: ConfigAssignment[];
  readonly issues: ConfigIssue[];
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * Turns the text of an environment variable or `--set` flag into the value of `key`. Text that does
 * not read as the key's type is passed on as a string, so the schema reports it with the key's rules.
 */
function scalarFromText(kind: ConfigKey['kind'], text: string): unknown {
  const t = text.trim();
  if ((kind === 'integer' || kind === 'number') && NUMBER.test(t)) return Number(t);
  if (kind === 'boolean' && TRUE.has(t.toLowerCase())) return true;
  if (kind === 'boolean' && FALSE.has(t.toLowerCase())) return false;
  return text;
}

/** Parses `text` for `key` (or one entry of a map key) into assignments, or says why it cannot. */
export function assignFromText(
  target: { key: ConfigKey; entry?: string },
  text: string,
  origin: ConfigOrigin,
): ConfigAssignment[] | string {
  const { key, entry } = target;
  if (entry !== undefined) return [{ path: `${key.path}.${entry}`, value: text.trim(), origin }];
  if (key.kind === 'list') {
    if (text.trim().startsWith('[')) {
      try {
        return [{ path: key.path, value: JSON.parse(text) as unknown, origin }];
      } catch {
        return 'not a JSON array';
      }
    }
    const items = text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return [{ path: key.path, value: items, origin }];
  }
  if (key.kind === 'map') {
    if (text.trim().startsWith('{')) {
      try {
        return assignMap(key, JSON.parse(text) as unknown, origin);
      } catch {
        return 'not a JSON object';
      }
    }
    const out: ConfigAssignment[] = [];
    for (const pair of text.split(',').filter((s) => s.trim() !== '')) {
      const cut = pair.indexOf('=');
      if (cut <= 0) return `expected name=value pairs separated by commas, got '${pair.trim()}'`;
      out.push({
        path: `${key.path}.${pair.slice(0, cut).trim()}`,
        value: pair.slice(cut + 1).trim(),
        origin,
      });
    }
    return out;
  }
  return [{ path: key.path, value: scalarFromText(key.kind, text), origin }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assignMap(key: ConfigKey, value: unknown, origin: ConfigOrigin): ConfigAssignment[] | string {
  if (!isPlainObject(value)) return 'expected an object of name: value entries';
  return Object.entries(value).map(([name, v]) => ({ path: `${key.path}.${name}`, value: v, origin }));
}

const isSection = (path: string) => CONFIG_KEYS.some((k) => k.path.startsWith(`${path}.`));

/** What a config file reader needs besides the file: the encryption key, read only when used. */
export interface FileLayerOptions {
  /** The raw `EAIO_CONFIG_KEY` value. */
  readonly configKey: string | undefined;
}

/**
 * Reads a JSON config file: sections as nested objects, `{"$file": "path"}` for a value kept in its
 * own file (relative to the config file), `{"$encrypted": "v1:..."}` for a value encrypted with
 * `EAIO_CONFIG_KEY`. Unknown keys are issues, so a typo does not silently fall back to a default.
 * Throws {@link ConfigSecretError} when an encrypted value cannot be decrypted.
 */
export function readFileLayer(file: string, options: FileLayerOptions): ConfigLayer {
  const layer: ConfigLayer = { assignments: [], issues: [] };
  const fileOrigin: ConfigOrigin = { layer: 'file', file };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    layer.issues.push({
      key: '(file)',
      origin: fileOrigin,
      message: `cannot read it as JSON: ${error instanceof Error ? error.message : String(error)}`,
    });
    return layer;
  }
  if (!isPlainObject(parsed)) {
    layer.issues.push({ key: '(file)', origin: fileOrigin, message: 'expected a JSON object at the top' });
    return layer;
  }
  let key: Buffer | undefined;
  const special = (path: string, value: unknown): { text: string; origin: ConfigOrigin } | undefined => {
    if (!isPlainObject(value)) return undefined;
    const names = Object.keys(value);
    if (names.length !== 1 || (names[0] !== '$file' && names[0] !== '$encrypted')) return undefined;
    const ref = value[names[0]];
    if (typeof ref !== 'string') throw new TypeError(`${names[0]} must be a string`);
    if (names[0] === '$file') {
      const secretFile = resolve(dirname(file), ref);
      return {
        text: readSecretFile(secretFile),
        origin: { layer: 'file', file, via: 'secret-file', secretFile },
      };
    }
    try {
      key ??= parseConfigKey(options.configKey);
      return { text: decryptSecret(ref, key), origin: { layer: 'file', file, via: 'encrypted' } };
    } catch (error) {
      if (!(error instanceof ConfigSecretError)) throw error;
      throw new ConfigSecretError(error.reason, `${path} (from config file ${file}): ${error.message}`, {
        ...error.context,
        key: path,
        file,
      });
    }
  };

  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(node)) {
      if (prefix === '' && name === '$schema') continue;
      const path = prefix ? `${prefix}.${name}` : name;
      const target = findConfigKey(path);
      if (!target && isSection(path) && isPlainObject(value)) {
        walk(value, path);
        continue;
      }
      if (!target) {
        layer.issues.push({
          key: path,
          origin: fileOrigin,
          message: isSection(path) ? 'expected an object (this is a section)' : 'unknown key',
        });
        continue;
      }
      let result: ConfigAssignment[] | string;
      try {
        const resolved = special(path, value);
        if (resolved) result = assignFromText(target, resolved.text, resolved.origin);
        else if (target.key.kind === 'map' && target.entry === undefined)
          result = assignMap(target.key, value, fileOrigin);
        else result = [{ path, value, origin: fileOrigin }];
      } catch (error) {
        if (error instanceof ConfigSecretError) throw error;
        result = error instanceof Error ? error.message : String(error);
      }
      if (typeof result === 'string') layer.issues.push({ key: path, origin: fileOrigin, message: result });
      else layer.assignments.push(...result);
    }
  };
  walk(parsed, '');
  return layer;
}

/** A secret kept in its own file (Docker/Kubernetes secrets): the content, less its final newline. */
export function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new TypeError(
      `cannot read secret file ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Reads `--set key=value` flags, in order (a later flag for the same key wins). */
export function readFlagLayer(sets: readonly string[]): ConfigLayer {
  const layer: ConfigLayer = { assignments: [], issues: [] };
  for (const set of sets) {
    const cut = set.indexOf('=');
    const path = (cut < 0 ? set : set.slice(0, cut)).trim();
    const origin: ConfigOrigin = { layer: 'flag', flag: `--set ${path}` };
    if (cut < 0) {
      layer.issues.push({ key: path, origin, message: 'expected --set key=value' });
      continue;
    }
    const target = findConfigKey(path);
    if (!target) {
      layer.issues.push({ key: path, origin, message: 'unknown key (`npx eaio config show` lists them)' });
      continue;
    }
    const result = assignFromText(target, set.slice(cut + 1), origin);
    if (typeof result === 'string') layer.issues.push({ key: path, origin, message: result });
    else layer.assignments.push(...result);
  }
  return layer;
}
