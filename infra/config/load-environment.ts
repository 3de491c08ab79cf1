import type { ConfigOrigin } from './config-errors.ts';
import { CONFIG_KEYS } from './config-keys.ts';
import { assignFromText, type ConfigLayer, readSecretFile } from './config-layers.ts';

/** The process environment, or any map of variables (tests pass their own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Every variable read as configuration, mapped to its key: the derived `EAIO_<PATH>` names and the
 * older aliases. Each may also be given as `<NAME>_FILE`, the path of a file holding the value.
 */
export const ENVIRONMENT_VARIABLES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(CONFIG_KEYS.flatMap((k) => [k.env, ...k.envAliases].map((name) => [name, k.path]))),
);

/**
 * Reads the environment layer. For each key the derived name is tried before its aliases; `NAME_FILE`
 * reads the value from a file (`EAIO_POSTGRES_URL_FILE=/run/secrets/pg`). An empty variable counts
 * as unset, except for keys where the empty string means something (an empty topic prefix).
 */
export function readEnvironmentLayer(env: Environment): ConfigLayer {
  const layer: ConfigLayer = { assignments: [], issues: [] };
  for (const key of CONFIG_KEYS) {
    for (const name of [key.env, ...key.envAliases]) {
      const direct = env[name];
      const fromFile = env[`${name}_FILE`];
      const hasDirect = direct !== undefined && (direct !== '' || key.allowEmpty);
      const hasFile = fromFile !== undefined && fromFile !== '';
      if (!hasDirect && !hasFile) continue;
      if (hasDirect && hasFile) {
        layer.issues.push({
          key: key.path,
          origin: { layer: 'env', variable: name },
          message: `both ${name} and ${name}_FILE are set; keep one`,
        });
        break;
      }
      let text: string;
      let origin: ConfigOrigin;
      if (hasFile) {
        origin = { layer: 'env', variable: `${name}_FILE`, secretFile: fromFile };
        try {
          text = readSecretFile(fromFile);
        } catch (error) {
          layer.issues.push({ key: key.path, origin, message: (error as Error).message });
          break;
        }
      } else {
        origin = { layer: 'env', variable: name };
        text = direct ?? '';
      }
      const result = assignFromText({ key }, text, origin);
      if (typeof result === 'string') layer.issues.push({ key: key.path, origin, message: result });
      else layer.assignments.push(...result);
      break;
    }
  }
  return layer;
}
