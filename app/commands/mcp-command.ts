import { type Command, Option } from 'commander';
import { startMcpHttpServer, startMcpStdioServer } from '../../mcp-adapter/index.ts';
import {
  connectPlatform,
  createProcessRuntime,
  platformMcpServerFactory,
  platformResourceSubscriptions,
  resolveEndpoints,
  untilSignal,
} from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

/** `eaio mcp [--stdio|--http]`: the MCP tools and resources over the read models, until a signal. */
export function addMcpCommand(
  program: Command,
  { config, resolved, loggers, logger, say }: CommandContext,
): void {
  program
    .command('mcp')
    .description('Serve the MCP tools and resources from the read models.')
    .addOption(new Option('--stdio', 'serve over stdin/stdout (for desktop agents)').conflicts('http'))
    .option('--http', 'serve Streamable HTTP (default)')
    .action(async (opts: { stdio?: boolean }) => {
      const platform = connectPlatform(config, await resolveEndpoints(config), logger);
      // Cached answers are invalidated by whichever process runs the projector (same Redis keys).
      const runtime = createProcessRuntime(platform, resolved, loggers, { source: 'eaio.mcp' });
      const subscriptions = platformResourceSubscriptions(platform);
      // Listening before serving, so a subscription taken at once misses no change; with Redis down
      // the adapter serves all the same (logged), and listens once Redis is back.
      await subscriptions.ready.catch(() => undefined);
      const factory = platformMcpServerFactory(platform, {
        subscriptions,
        cache: runtime.cache,
        metrics: runtime.metrics,
        operations: runtime.operations,
      });
      if (opts.stdio) {
        const handle = startMcpStdioServer(factory);
        await untilSignal();
        await handle.close();
      } else {
        const server = await startMcpHttpServer({
          host: config.mcp.host,
          port: config.mcp.port,
          factory,
          logger,
          bus: subscriptions.bus,
        });
        say(`MCP Streamable HTTP on ${server.url}`);
        await untilSignal();
        await server.close();
      }
      await subscriptions.close();
      await runtime.close();
      await platform.close();
    });
}
