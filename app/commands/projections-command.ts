import type { Command } from 'commander';
import type { RebuildResult } from '../../projections/index.ts';
import {
  type Platform,
  preparePlatform,
  projectionsStatus,
  rebuildNamedProjection,
} from '../platform/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';
import { createProgressReporter, type ProgressLog } from './progress.ts';

/** `eaio projections list`: one block per projection, one line per partition of its active generation. */
export async function projectionsList(platform: Platform, out: (text: string) => void): Promise<void> {
  for (const p of await projectionsStatus(platform)) {
    const generations = [
      p.activeGeneration === undefined ? 'no active generation' : `active g${p.activeGeneration}`,
      ...(p.buildingGeneration === undefined ? [] : [`building g${p.buildingGeneration}`]),
      ...(p.retiredGenerations.length === 0
        ? []
        : [`retired ${p.retiredGenerations.map((g) => `g${g}`).join(',')}`]),
    ].join(', ');
    out(`${p.name.padEnd(24)} ${p.store.padEnd(8)} ${generations}  lag ${p.lag}  (${p.location ?? '-'})\n`);
    for (const part of p.partitions) {
      out(
        `    ${`${part.topic}[${part.partition}]`.padEnd(40)} next ${String(part.nextOffset ?? '-').padStart(9)}` +
          `  end ${String(part.endOffset).padStart(9)}  lag ${part.lag}\n`,
      );
    }
  }
}

/**
 * `eaio projections rebuild NAME [--from-datetime T]`: rebuilds beside the live generation with a
 * progress bar on stderr (events read / events up to the high-water marks at start), then switches.
 */
export async function projectionsRebuild(
  platform: Platform,
  name: string,
  {
    fromDatetime,
    say,
    logger,
  }: {
    readonly fromDatetime?: Date;
    readonly say: (line: string) => void;
    readonly logger: ProgressLog;
  },
): Promise<RebuildResult> {
  const progress = createProgressReporter({
    task: `rebuild ${name}`,
    unit: 'events',
    stream: process.stderr,
    logger,
  });
  const result = await rebuildNamedProjection(platform, name, {
    ...(fromDatetime ? { fromDatetime } : {}),
    onProgress: ({ applied, target }) => progress.update(target === 0 ? 0 : applied, target),
  });
  progress.stop();
  const from = fromDatetime ? ` from ${fromDatetime.toISOString()} (events before it are not in it)` : '';
  const previous = result.previous === undefined ? '' : `; g${result.previous} retired`;
  const dropped =
    result.dropped.length === 0 ? '' : `, dropped ${result.dropped.map((g) => `g${g}`).join(', ')}`;
  say(`Projection ${name}: generation ${result.generation} is active${from}${previous}${dropped}.`);
  return result;
}

/** `eaio projections list|rebuild`: the read models' generations, offsets and zero-downtime rebuilds. */
export function addProjectionsCommand(program: Command, context: CommandContext): void {
  const { out, say } = context;
  const projections = program
    .command('projections')
    .description('The read models: generations, offsets, zero-downtime rebuilds.');
  projections
    .command('list')
    .description('Each projection: store, active generation, offsets per partition, lag.')
    .action(() => withPlatform(context, (p) => projectionsList(p, out)));
  projections
    .command('rebuild')
    .description('Build a new generation beside the live one from the log, then switch readers to it.')
    .argument('<name>', 'projection name, as `projections list` shows it')
    .option(
      '--from-datetime <iso>',
      'start at the first event at or after this time (the new generation holds only those)',
    )
    .action(async (name: string, opts: { fromDatetime?: string }) => {
      const from = opts.fromDatetime === undefined ? undefined : new Date(opts.fromDatetime);
      if (from !== undefined && Number.isNaN(from.getTime()))
        program.error(`--from-datetime: '${opts.fromDatetime}' is not a date`);
      await withPlatform(context, async (p) => {
        await preparePlatform(p);
        await projectionsRebuild(p, name, {
          ...(from ? { fromDatetime: from } : {}),
          say,
          logger: context.logger,
        });
      });
    });
}
