import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { EaioError } from '../../infra/errors/index.ts';

/** A Lua script and the name it is registered under on a client (derived from its text, so never clashing). */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
}

/** Names a Lua script by a hash of its text: two scripts never share a name, one script always has the same. */
export function luaScript(lua: string): LuaScript {
  return { name: `eaio_${createHash('sha1').update(lua).digest('hex').slice(0, 16)}`, lua };
}

type ScriptCall = (...args: (string | number)[]) => unknown;

function ensureDefined(redis: Redis, script: LuaScript): void {
  // The key count is left open (passed per call), so one script serves any number of keys. ioredis
  // applies the client's keyPrefix to the keys of such calls too.
  if (!(script.name in redis)) redis.defineCommand(script.name, { lua: script.lua });
}

function callOf(target: Redis | ChainableCommander, script: LuaScript): ScriptCall {
  return (target as unknown as Record<string, ScriptCall>)[script.name] as ScriptCall;
}

/** Queued script calls sent to Redis in one pipeline round trip. */
export interface ScriptBatch {
  /** Queues one call of `script` with its keys (given to the script as KEYS) and arguments (ARGV). */
  call(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): void;
  /** Sends every queued call in one round trip; resolves to their replies, or throws the first error. */
  exec(): Promise<unknown[]>;
}

/**
 * Starts a batch of calls of `scripts` on `redis` (loaded with EVALSHA, falling back to EVAL). The
 * scripts are named up front because an ioredis pipeline only carries the commands defined before it
 * was created.
 */
export function scriptBatch(redis: Redis, scripts: readonly LuaScript[]): ScriptBatch {
  for (const script of scripts) ensureDefined(redis, script);
  const pipeline = redis.pipeline();
  const known = new Set(scripts.map((s) => s.name));
  let queued = 0;
  return {
    call(script, keys, args) {
      if (!known.has(script.name)) {
        throw new EaioError(
          'INVALID_ARGUMENT',
          'permanent',
          `Script ${script.name} was not named when the batch started`,
        );
      }
      callOf(pipeline, script).call(pipeline, keys.length, ...keys, ...args);
      queued++;
    },
    async exec() {
      if (queued === 0) return [];
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, reply]) => {
        if (error) {
          throw new EaioError('SINK_UNAVAILABLE', 'transient', `Redis script failed: ${error.message}`, {
            cause: error,
          });
        }
        return reply;
      });
    },
  };
}

/** Runs one script call in its own round trip and returns its reply. */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  ensureDefined(redis, script);
  return callOf(redis, script).call(redis, keys.length, ...keys, ...args);
}
