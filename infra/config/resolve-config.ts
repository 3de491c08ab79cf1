import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type ConfigIssue, type ConfigOrigin } from './config-errors.ts';
import { CONFIG_KEYS, findConfigKey } from './config-keys.ts';
import { type ConfigAssignment, type ConfigLayer, readFileLayer, readFlagLayer } from './config-layers.ts';
import { configSchema, type EaioConfig } from './config-schema.ts';
import { type Environment, readEnvironmentLayer } from './load-environment.ts';
import { CONFIG_KEY_VARIABLE } from './secret-cipher.ts';

/** Name of the config file looked for in the working directory when none is named. */
export const DEFAULT_CONFIG_FILE = 'eaio.config.json';

/** Environment variable naming the config file (the `--config` flag wins over it). */
export const CONFIG_FILE_VARIABLE = 'EAIO_CONFIG_FILE';

/** Everything the configuration is built from; kept so that a reload can build it again. */
export interface ConfigSources {
  readonly env: Environment;
  /** Directory the default config file is looked for in, and relative paths are resolved against. */
  readonly cwd: string;
  /** `--config <file>`. */
  readonly configFile?: string;
  /** `--set key=value` flags, in order. */
  readonly sets?: readonly string[];
}

/** The effective configuration with the origin of every value. */
export interface ResolvedConfig {
  readonly config: EaioConfig;
  /** Origin of every leaf key and map entry, by dotted path. */
  readonly origins: ReadonlyMap<string, ConfigOrigin>;
  /** The config file read, if any. */
  readonly file: string | undefined;
  readonly sources: ConfigSources;
}

/** Where the config file is: named by `--config`, by `EAIO_CONFIG_FILE`, or `eaio.config.json` if present. */
export function locateConfigFile(sources: ConfigSources): {
  readonly path: string;
  /** False for the default file, which may be absent. */
  readonly named: boolean;
  readonly origin: ConfigOrigin;
} {
  if (sources.configFile)
    return {
      path: resolve(sources.cwd, sources.configFile),
      named: true,
      origin: { layer: 'flag', flag: '--config' },
    };
  const fromEnv = sources.env[CONFIG_FILE_VARIABLE];
  if (fromEnv)
    return {
      path: resolve(sources.cwd, fromEnv),
      named: true,
      origin: { layer: 'env', variable: CONFIG_FILE_VARIABLE },
    };
  return { path: resolve(sources.cwd, DEFAULT_CONFIG_FILE), named: false, origin: { layer: 'default' } };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] ?? ''] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The origin of the value at an issue's path: the longest assigned path it lies under. */
function originAt(origins: ReadonlyMap<string, ConfigOrigin>, path: readonly PropertyKey[]): ConfigOrigin {
  for (let n = path.length; n > 0; n--) {
    const found = origins.get(path.slice(0, n).map(String).join('.'));
    if (found) return found;
  }
  return { layer: 'default' };
}

/**
 * Builds the configuration: built-in defaults < config file < environment < `--set` flags, then
 * validates the result once with the zod schema. Throws a {@link ConfigError} listing every issue
 * with its key and the layer (file, variable or flag) the value came from, or a `ConfigSecretError`
 * when an encrypted value cannot be decrypted.
 */
export function resolveConfig(sources: ConfigSources): ResolvedConfig {
  const located = locateConfigFile(sources);
  const layers: ConfigLayer[] = [];
  const issues: ConfigIssue[] = [];
  const fileExists = existsSync(located.path);
  if (fileExists) layers.push(readFileLayer(located.path, { configKey: sources.env[CONFIG_KEY_VARIABLE] }));
  else if (located.named)
    issues.push({
      key: '(file)',
      origin: located.origin,
      message: `config file ${located.path} does not exist`,
    });
  layers.push(readEnvironmentLayer(sources.env), readFlagLayer(sources.sets ?? []));

  const input: Record<string, unknown> = {};
  const origins = new Map<string, ConfigOrigin>();
  const assignments: ConfigAssignment[] = layers.flatMap((l) => l.assignments);
  for (const a of assignments) {
    setPath(input, a.path, a.value);
    origins.set(a.path, a.origin);
  }
  issues.push(...layers.flatMap((l) => l.issues));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success)
    issues.push(
      ...parsed.error.issues.map((issue) => {
        const key = issue.path.map(String).join('.') || '(root)';
        const value = issue.path.reduce<unknown>(
          (node, part) => (node as Record<PropertyKey, unknown> | undefined)?.[part],
          input,
        );
        const secret = findConfigKey(key)?.key.secret ?? true;
        const got = value === undefined || secret ? '' : ` (got ${JSON.stringify(value)})`;
        return { key, origin: originAt(origins, issue.path), message: `${issue.message}${got}` };
      }),
    );
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);

  for (const key of CONFIG_KEYS)
    if (key.kind !== 'map' && !origins.has(key.path)) origins.set(key.path, { layer: 'default' });
  return {
    config: deepFreeze(parsed.data),
    origins,
    file: fileExists ? located.path : undefined,
    sources,
  };
}

/**
 * The immutable configuration from defaults, the config file, `env` and `--set` flags (see
 * {@link resolveConfig}). `cwd` defaults to the process's working directory.
 */
export function loadConfig(
  env: Environment,
  options: { readonly cwd?: string; readonly configFile?: string; readonly sets?: readonly string[] } = {},
): EaioConfig {
  return resolveConfig({ env, ...options, cwd: options.cwd ?? process.cwd() }).config;
}
