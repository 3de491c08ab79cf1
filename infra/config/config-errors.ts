import { EaioError } from '../errors/index.ts';

/** Where one value of the effective configuration came from. */
export type ConfigOrigin =
  | { readonly layer: 'default' }
  | {
      readonly layer: 'file';
      readonly file: string;
      readonly via?: 'secret-file' | 'encrypted';
      readonly secretFile?: string;
    }
  | { readonly layer: 'env'; readonly variable: string; readonly secretFile?: string }
  | { readonly layer: 'flag'; readonly flag: string };

/** The layers, lowest precedence first. */
export const CONFIG_LAYERS = ['default', 'file', 'env', 'flag'] as const;

/** `environment variable EAIO_MCP_PORT`, `config file /etc/eaio.json ($file /run/secrets/pg)`, ... */
export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.layer) {
    case 'default':
      return 'built-in default';
    case 'file': {
      const how =
        origin.via === 'secret-file'
          ? ` ($file ${origin.secretFile})`
          : origin.via === 'encrypted'
            ? ' ($encrypted)'
            : '';
      return `config file ${origin.file}${how}`;
    }
    case 'env':
      return `environment variable ${origin.variable}${origin.secretFile ? ` (file ${origin.secretFile})` : ''}`;
    case 'flag':
      return `flag ${origin.flag}`;
  }
}

/** One thing wrong with the configuration: the key, the layer it came from and what is wrong. */
export interface ConfigIssue {
  /** Dotted path of the key (`kafka.sessionTimeoutMs`), or of the unknown key that was given. */
  readonly key: string;
  readonly origin: ConfigOrigin;
  readonly message: string;
}

/** The configuration is invalid; `issues` lists every problem found, each with its key and layer. */
export class ConfigError extends EaioError {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.key} (from ${describeOrigin(i.origin)}): ${i.message}`);
    super('CONFIG_INVALID', 'permanent', `Invalid configuration:\n${lines.join('\n')}`, {
      context: { issues },
    });
    this.issues = issues;
  }
}

/**
 * Why an encrypted config value could not be used: no `EAIO_CONFIG_KEY`, a key that is not 32 bytes
 * of base64, a value encrypted with another key, a value altered after encryption, or not a token.
 */
export type ConfigSecretReason = 'missing-key' | 'invalid-key' | 'wrong-key' | 'tampered' | 'malformed';

/** An encrypted value in a config file cannot be decrypted (or a value cannot be encrypted). */
export class ConfigSecretError extends EaioError {
  override readonly name = 'ConfigSecretError';
  readonly reason: ConfigSecretReason;

  constructor(reason: ConfigSecretReason, message: string, context: Readonly<Record<string, unknown>> = {}) {
    super('CONFIG_SECRET', 'permanent', message, { context: { reason, ...context } });
    this.reason = reason;
  }
}
