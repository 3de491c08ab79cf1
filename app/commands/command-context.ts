import type { EaioConfig, ResolvedConfig } from '../../infra/config/index.ts';
import type { Logger, LoggerRegistry } from '../../infra/logging/index.ts';
import { connectPlatform, type Platform, resolveEndpoints } from '../platform/index.ts';

/**
 * What every command is built with: the configuration resolved once before commander runs, the
 * process's loggers, the environment handed in at the bootstrap edge, and where output goes.
 */
export interface CommandContext {
  readonly config: EaioConfig;
  /** The configuration as resolved, with origins, for `config show` and the reloading config store. */
  readonly resolved: ResolvedConfig;
  /** The environment `main` was given; commands never read `process.env` themselves. */
  readonly env: NodeJS.ProcessEnv;
  /** Per-component loggers; a reloaded `log` section changes their levels. */
  readonly loggers: LoggerRegistry;
  /** The `cli` component's logger. */
  readonly logger: Logger;
  /** A line for people (progress, hints), on stderr so stdout stays parseable. */
  say(line: string): void;
  /** Command output, on stdout. */
  out(text: string): void;
}

/** Runs `work` on a platform connected to the resolved endpoints, and closes it whatever happens. */
export async function withPlatform<T>(
  context: CommandContext,
  work: (platform: Platform) => Promise<T>,
): Promise<T> {
  const platform = connectPlatform(context.config, await resolveEndpoints(context.config), context.logger);
  try {
    return await work(platform);
  } finally {
    await platform.close();
  }
}
