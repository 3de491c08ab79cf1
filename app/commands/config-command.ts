import type { Command } from 'commander';
import {
  CONFIG_KEY_VARIABLE,
  CONFIG_KEYS,
  describeOrigin,
  encryptSecret,
  parseConfigKey,
  REDACTED,
  type ResolvedConfig,
  redactConfig,
  redactSecretValue,
  secretPaths,
} from '../../infra/config/index.ts';
import type { CommandContext } from './command-context.ts';

/** One printed row of `eaio config show`: key, value (secrets redacted), where it came from. */
export interface ShownValue {
  readonly key: string;
  readonly value: unknown;
  readonly from: string;
}

/** The effective configuration, secrets redacted, each value with its origin. */
export function effectiveValues(resolved: ResolvedConfig): ShownValue[] {
  const secret = new Set(secretPaths(resolved.config));
  const get = (path: string) =>
    path
      .split('.')
      .reduce<unknown>((n, p) => (n as Record<string, unknown> | undefined)?.[p], resolved.config);
  const rows: ShownValue[] = [];
  for (const key of CONFIG_KEYS) {
    const paths =
      key.kind === 'map'
        ? Object.keys((get(key.path) as Record<string, unknown>) ?? {}).map((name) => `${key.path}.${name}`)
        : [key.path];
    for (const path of paths) {
      const value = get(path);
      const from = resolved.origins.get(path);
      rows.push({
        key: path,
        value: secret.has(path) || secret.has(key.path) ? redactSecretValue(value) : value,
        from: from ? describeOrigin(from) : 'built-in default',
      });
    }
  }
  return rows;
}

/** `eaio config show`: a readable table, or JSON with `--json`. Secrets never leave redacted. */
export function configShow(resolved: ResolvedConfig, json: boolean, out: (text: string) => void): void {
  if (json) {
    out(
      `${JSON.stringify({ file: resolved.file ?? null, config: redactConfig(resolved.config), origins: effectiveValues(resolved) }, null, 2)}\n`,
    );
    return;
  }
  const rows = effectiveValues(resolved).map((r) => ({
    ...r,
    // Optional keys without a value (e.g. mcp.auth.audience, derived when unset) print as unset.
    text: r.value === undefined ? '(unset)' : typeof r.value === 'string' ? r.value : JSON.stringify(r.value),
  }));
  const keyWidth = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.min(60, Math.max(...rows.map((r) => r.text.length)));
  out(`config file: ${resolved.file ?? '(none)'}\n`);
  for (const r of rows) out(`${r.key.padEnd(keyWidth)}  ${r.text.padEnd(valueWidth)}  ${r.from}\n`);
  out(`(secret values are shown as ${REDACTED})\n`);
}

/**
 * `eaio config encrypt`: reads one value from stdin (a final newline is dropped) and prints the
 * `{"$encrypted": ...}` token for a config file. `configKey` is the raw `EAIO_CONFIG_KEY`.
 */
export async function configEncrypt(
  input: AsyncIterable<Buffer | string>,
  configKey: string | undefined,
  out: (text: string) => void,
): Promise<void> {
  const key = parseConfigKey(configKey);
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const value = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (value === '') throw new Error('config encrypt: nothing on stdin to encrypt');
  out(`${encryptSecret(value, key)}\n`);
}

/**
 * The global `--config <file>` and `--set key=value` options, picked out of `argv` before commander
 * runs: the configuration has to exist before the commands that use it are built. Commander still
 * declares them, for `--help` and so it does not reject them.
 */
export function globalConfigArgs(argv: readonly string[]): { configFile?: string; sets: string[] } {
  const sets: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (name !== '--set' && name !== '--config') continue;
    const value = inline ?? argv[++i];
    if (value === undefined) continue;
    if (name === '--set') sets.push(value);
    else configFile = value;
  }
  return { ...(configFile === undefined ? {} : { configFile }), sets };
}

/** `eaio config show|encrypt`: the effective configuration, and tokens for encrypted secrets. */
export function addConfigCommand(program: Command, { resolved, env, out }: CommandContext): void {
  const config = program.command('config').description('The effective configuration and its secrets.');
  config
    .command('show')
    .description('Print the effective configuration, secrets redacted, with where each value came from.')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) => configShow(resolved, opts.json ?? false, out));
  config
    .command('encrypt')
    .description(
      `Read a value on stdin and print it encrypted with ${CONFIG_KEY_VARIABLE}, for {"$encrypted": ...}.`,
    )
    .action(() => configEncrypt(process.stdin, env[CONFIG_KEY_VARIABLE], out));
}
