import { type Command, Option } from 'commander';
import { createWriteStatus, writeStatusCheck } from '../../infra/health/index.ts';
import {
  connectPlatform,
  createProcessRuntime,
  observeIfEnabled,
  preparePlatform,
  projectorGroup,
  resolveEndpoints,
  runProjector,
  untilSignal,
} from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

/** `eaio project`: the live projector alone, until a signal. */
export function addProjectCommand(
  program: Command,
  { config, resolved, loggers, logger }: CommandContext,
): void {
  program
    .command('project')
    .description('Run the live projector alone: every read model of the catalogue, in Redis and PostgreSQL.')
    .addOption(
      new Option(
        '--exit-after-batches <n>',
        'test only: SIGKILL itself once the n-th batch committed to Postgres, before its ack',
      ).hideHelp(),
    )
    .action(async (opts: { exitAfterBatches?: string }) => {
      const endpoints = await resolveEndpoints(config);
      const platform = connectPlatform(config, endpoints, logger);
      await preparePlatform(platform);
      const exitAfter = opts.exitAfterBatches === undefined ? undefined : Number(opts.exitAfterBatches);
      let committed = 0;
      const runtime = createProcessRuntime(platform, resolved, loggers, { source: 'eaio.project' });
      // A full disk leaves PostgreSQL answering `SELECT 1` while every batch's write fails: the
      // projector's own outcome is what tells readiness so.
      const writes = createWriteStatus();
      const projector = await runProjector(platform, {
        writes,
        metrics: runtime.metrics,
        cache: runtime.cache,
        ...(exitAfter === undefined
          ? {}
          : {
              failpoints: {
                afterCommit: () => {
                  committed += 1;
                  if (committed >= exitAfter) process.kill(process.pid, 'SIGKILL');
                },
              },
            }),
      });
      const observed = await observeIfEnabled(platform, {
        registryUrl: endpoints.registryUrl,
        groups: [projectorGroup(platform)],
        logger: loggers.logger('metrics'),
        metrics: runtime.metrics,
        readiness: [writeStatusCheck(writes, 'projector-writes')],
      });
      await untilSignal();
      await observed?.close();
      await projector.stop();
      await runtime.close();
      await platform.close();
    });
}
