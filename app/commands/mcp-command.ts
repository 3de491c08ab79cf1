import { type Command, Option } from 'commander';
import { startMcpHttpServer, startMcpStdioServer } from '../../mcp-adapter/index.ts';
import {
  connectPlatform,
  createPlatformAuditTrail,
  createProcessRuntime,
  localPrincipalOf,
  mcpHttpSettings,
  platformHttpRequestLimiter,
  platformMcpServerFactory,
  platformResourceSubscriptions,
  resolveEndpoints,
  startPlatformOpsPage,
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
      const audit = createPlatformAuditTrail(platform, runtime.metrics);
      const subscriptions = platformResourceSubscriptions(platform);
      // Listening before serving, so a subscription taken at once misses no change; with Redis down
      // the adapter serves all the same (logged), and listens once Redis is back.
      await subscriptions.ready.catch(() => undefined);
      const factory = platformMcpServerFactory(platform, {
        subscriptions,
        cache: runtime.cache,
        metrics: runtime.metrics,
        operations: runtime.operations,
        config: runtime.config,
        // Who stdio callers are; with mcp.auth.mode=none, HTTP callers too (otherwise each has a token).
        localPrincipal: localPrincipalOf(config),
        audit,
      });
      if (opts.stdio) {
        const handle = startMcpStdioServer(factory);
        await untilSignal();
        await handle.close();
      } else {
        const server = await startMcpHttpServer({
          ...(await mcpHttpSettings(config)),
          factory,
          requestLimiter: platformHttpRequestLimiter(platform, {
            config: runtime.config,
            metrics: runtime.metrics,
          }),
          logger,
          bus: subscriptions.bus,
        });
        say(`MCP Streamable HTTP on ${server.url}`);
        const opsPage = await startPlatformOpsPage(platform, { audience: server.resource, logger });
        say(`Operations page: ${opsPage.url ?? opsPage.notServed ?? 'not served'}`);
        if (server.resource !== undefined)
          say(
            `Each request needs Authorization: Bearer <token> for ${server.resource} (local tokens: npx eaio token issue --role analyst --tenant <id>)`,
          );
        await untilSignal();
        await opsPage.close();
        await server.close();
      }
      // Records of read-only calls still batched reach the topic before the producer goes.
      await audit.close();
      await subscriptions.close();
      await runtime.close();
      await platform.close();
    });
}
