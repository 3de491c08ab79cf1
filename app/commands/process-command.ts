import type { Command } from 'commander';
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
    .action(async (name: string) => {
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
