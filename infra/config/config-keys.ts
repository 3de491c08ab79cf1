import { z } from 'zod';
import { type ConfigKeyMeta, configSchema, RELOADABLE_SECTIONS } from './config-schema.ts';

/** How a key's value is written in an environment variable or a `--set` flag. */
export type ConfigValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'list' | 'map';

/** One settable key of the configuration, as derived from the zod schema. */
export interface ConfigKey {
  /** Dotted path, e.g. `kafka.sessionTimeoutMs`. */
  readonly path: string;
  /** Environment variable, `EAIO_` + the path in upper snake case. */
  readonly env: string;
  /** Older variable names still read. */
  readonly envAliases: readonly string[];
  readonly kind: ConfigValueKind;
  /** Allowed values of an `enum` key, or of each entry of a `map` key. */
  readonly values?: readonly string[];
  readonly defaultValue: unknown;
  readonly description: string;
  readonly secret: boolean;
  readonly reloadable: boolean;
  readonly allowEmpty: boolean;
}

interface JsonSchemaNode extends ConfigKeyMeta {
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly string[];
  readonly default?: unknown;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly additionalProperties?: JsonSchemaNode | boolean;
  readonly items?: JsonSchemaNode;
}

/** `kafka.sessionTimeoutMs` → `EAIO_KAFKA_SESSION_TIMEOUT_MS`. */
export function envNameOf(path: string): string {
  return `EAIO_${path
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))
    .join('_')
    .toUpperCase()}`;
}

function kindOf(node: JsonSchemaNode, path: string): ConfigValueKind {
  if (node.enum) return 'enum';
  switch (node.type) {
    case 'string':
      return 'string';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'list';
    case 'object':
      return 'map';
    default:
      throw new Error(`config key ${path}: no environment encoding for JSON schema type ${node.type}`);
  }
}

function isReloadable(path: string): boolean {
  return RELOADABLE_SECTIONS.some((section) => path === section || path.startsWith(`${section}.`));
}

function collect(node: JsonSchemaNode, prefix: string, into: ConfigKey[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (child.type === 'object' && child.properties) {
      collect(child, path, into);
      continue;
    }
    const kind = kindOf(child, path);
    const entry = typeof child.additionalProperties === 'object' ? child.additionalProperties : undefined;
    const values = child.enum ?? entry?.enum;
    into.push({
      path,
      env: envNameOf(path),
      envAliases: child.envAliases ?? [],
      kind,
      ...(values ? { values } : {}),
      defaultValue: child.default,
      description: child.description ?? '',
      secret: child.secret === true || /(password|token|secret|apikey)$/i.test(name),
      reloadable: isReloadable(path),
      allowEmpty: child.allowEmpty === true,
    });
  }
}

/** Every leaf key of `schema`, in schema order. */
export function describeConfigKeys(schema: z.ZodType = configSchema): readonly ConfigKey[] {
  const keys: ConfigKey[] = [];
  collect(z.toJSONSchema(schema, { io: 'input' }) as JsonSchemaNode, '', keys);
  return Object.freeze(keys);
}

/** The keys of the EAIO configuration schema. */
export const CONFIG_KEYS: readonly ConfigKey[] = describeConfigKeys();

const BY_PATH = new Map(CONFIG_KEYS.map((k) => [k.path, k]));

/**
 * The key a dotted path addresses: the leaf itself, or the `map` key it is an entry of
 * (`log.levels.projector` → `log.levels`, entry `projector`).
 */
export function findConfigKey(path: string): { key: ConfigKey; entry?: string } | undefined {
  const exact = BY_PATH.get(path);
  if (exact) return { key: exact };
  const cut = path.lastIndexOf('.');
  if (cut < 0) return undefined;
  const parent = BY_PATH.get(path.slice(0, cut));
  return parent?.kind === 'map' ? { key: parent, entry: path.slice(cut + 1) } : undefined;
}
