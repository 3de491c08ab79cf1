import { setTimeout as delay } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import type { ProcessorFailpoints } from '../../processors/index.ts';
import { PROCESSORS, type ProcessorName } from '../../processors/index.ts';
import {
  ALL_PROCESSORS,
  connectPlatform,
  createProcessRuntime,
  observeIfEnabled,
  preparePlatform,
  resolveEndpoints,
  runProcessors,
  untilSignal,
} from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

/** `eaio process <name>|all`: catalogue processors in this process, until a signal. */
export function addProcessCommand(
  program: Command,
  { config, resolved, loggers, logger }: CommandContext,
): void {
  program
    .command('process')
    .description('Run a stream processor until stopped (exactly-once into its output topic).')
    .argument('<name>', `'all' or one of: ${Object.keys(PROCESSORS).join(', ')}`)
    .addOption(
      new Option(
        '--exit-before-commit <n>',
        'test only: SIGKILL itself once the n-th transaction holds its outputs and offsets, before its commit',
      ).hideHelp(),
    )
    .addOption(
      new Option(
        '--exit-after-commit <n>',
        'test only: SIGKILL itself once the n-th transaction committed',
      ).hideHelp(),
    )
    .addOption(
      new Option(
        '--stall-before-commit <ms>',
        'test only: stall the first transaction with outputs this long before its commit (a handler slower than the session timeout)',
      ).hideHelp(),
    )
    .action(async (name: string, opts: FailpointOptions) => {
      if (name !== 'all' && !(name in PROCESSORS))
        program.error(`Unknown processor '${name}'; 'all' or one of: ${Object.keys(PROCESSORS).join(', ')}`);
      const endpoints = await resolveEndpoints(config);
      const platform = connectPlatform(config, endpoints, logger);
      await preparePlatform(platform);
      const runtime = createProcessRuntime(platform, resolved, loggers, { source: 'eaio.process' });
      const processor = await runProcessors(platform, {
        processors: name === 'all' ? ALL_PROCESSORS : [name as ProcessorName],
        metrics: runtime.metrics,
        operations: runtime.operations,
        qualityThresholds: runtime.qualityThresholds,
        ...failpointsOf(opts),
      });
      const observed = await observeIfEnabled(platform, {
        registryUrl: endpoints.registryUrl,
        groups: processor.groupIds.map((groupId) => ({ groupId })),
        logger: loggers.logger('metrics'),
        metrics: runtime.metrics,
      });
      await untilSignal();
      await observed?.close();
      await processor.stop();
      await runtime.close();
      await platform.close();
    });
}

/** The hidden test-only options of `eaio process`, as commander parses them. */
interface FailpointOptions {
  readonly exitBeforeCommit?: string;
  readonly exitAfterCommit?: string;
  readonly stallBeforeCommit?: string;
}

/**
 * The failpoints the options ask for. Exits count every transaction (one that only moves offsets is
 * a write too: committing it wrongly would skip input); the stall waits for one with outputs, so its
 * late commit would show as a duplicate. None without options.
 */
function failpointsOf(opts: FailpointOptions): { failpoints?: ProcessorFailpoints } {
  const exitBefore = opts.exitBeforeCommit === undefined ? undefined : Number(opts.exitBeforeCommit);
  const exitAfter = opts.exitAfterCommit === undefined ? undefined : Number(opts.exitAfterCommit);
  const stallMs = opts.stallBeforeCommit === undefined ? undefined : Number(opts.stallBeforeCommit);
  if (exitBefore === undefined && exitAfter === undefined && stallMs === undefined) return {};
  let before = 0;
  let after = 0;
  let stalled = false;
  return {
    failpoints: {
      beforeCommit: async ({ produced }) => {
        before += 1;
        if (exitBefore !== undefined && before >= exitBefore) process.kill(process.pid, 'SIGKILL');
        if (stallMs !== undefined && !stalled && produced > 0) {
          stalled = true;
          process.stderr.write(`${JSON.stringify({ failpoint: 'stall-before-commit', ms: stallMs })}\n`);
          await delay(stallMs);
          process.stderr.write(`${JSON.stringify({ failpoint: 'stall-over' })}\n`);
        }
      },
      afterCommit: () => {
        after += 1;
        if (exitAfter !== undefined && after >= exitAfter) process.kill(process.pid, 'SIGKILL');
      },
    },
  };
}
