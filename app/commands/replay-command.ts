import { type Command, Option } from 'commander';
import { refoldProjector, rewindProjector } from '../platform/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';
import { createProgressReporter } from './progress.ts';

interface ReplayFlags {
  readonly toEarliest?: boolean;
  readonly toDatetime?: string;
  readonly dropReadModels?: boolean;
  readonly group?: string;
  readonly run?: boolean;
}

/**
 * `eaio replay --to-earliest|--to-datetime <iso>`: rewinds the projector (or another group), and
 * with `--run` refolds the log at once with a progress bar on stderr.
 */
export function addReplayCommand(program: Command, context: CommandContext): void {
  const { say } = context;
  program
    .command('replay')
    .description(
      'Rewind the projector to the start of the log or to a time; the next `eaio project` refolds from there.',
    )
    .addOption(new Option('--to-earliest', 'from the first event still in the log').conflicts('toDatetime'))
    .option('--to-datetime <iso>', 'from the first event at or after this time, e.g. 2026-11-01T00:00:00Z')
    .option('--drop-read-models', 'with --to-earliest: empty the Postgres tables and Redis keys first')
    .option('--group <id>', 'consumer group to rewind (default: <topic prefix>projector)')
    .option(
      '--run',
      'then refold the log now, with a progress bar, and stop when caught up (projector group only)',
    )
    .action(async (opts: ReplayFlags) => {
      if (opts.run && opts.group)
        program.error('--run refolds the projector; it cannot be combined with --group');
      const at = opts.toDatetime === undefined ? undefined : new Date(opts.toDatetime);
      if (!opts.toEarliest && at === undefined)
        program.error('replay needs --to-earliest or --to-datetime <iso>');
      if (at !== undefined && Number.isNaN(at.getTime()))
        program.error(`--to-datetime: '${opts.toDatetime}' is not a date`);
      await withPlatform(context, async (platform) => {
        const result = await rewindProjector(platform, {
          target: at === undefined ? { kind: 'earliest' } : { kind: 'datetime', at },
          dropReadModels: opts.dropReadModels ?? false,
          ...(opts.group ? { groupId: opts.group } : {}),
        });
        for (const p of result.partitions)
          say(`${result.groupId} ${p.topic}[${p.partition}] -> offset ${p.offset}`);
        const emptied = result.droppedReadModels ? ' and emptied the read models' : '';
        if (!opts.run) {
          say(`Rewound${emptied}. Run \`npx eaio project\` (or \`npm start\`) to refold the log.`);
          return;
        }
        say(`Rewound${emptied}; refolding the log.`);
        const progress = createProgressReporter({
          task: 'refold',
          unit: 'messages',
          stream: process.stderr,
          logger: context.logger,
        });
        const done = await refoldProjector(platform, ({ done, total }) => progress.update(done, total));
        progress.update(done.done, done.total);
        progress.stop();
        say(
          `Refolded ${done.done} message(s); the read models are caught up with the log as it was when replay started.`,
        );
      });
    });
}
