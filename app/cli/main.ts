import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import { CONFIG_KEY_VARIABLE, resolveConfig, secretPaths } from '../../infra/config/index.ts';
import { createLoggerRegistry } from '../../infra/logging/index.ts';
import { stackDown, stackStatus, stackUp } from '../../infra/stack/index.ts';
import { tracingFromSettings } from '../../infra/telemetry/index.ts';
import {
  createMcpServerFactory,
  createReadModels,
  startMcpHttpServer,
  startMcpStdioServer,
} from '../../mcp-adapter/index.ts';
import { PROCESSORS, type ProcessorName } from '../../processors/index.ts';
import { configEncrypt, configShow, globalConfigArgs } from '../commands/config-command.ts';
import { dlqList, dlqRedrive, dlqShow } from '../commands/dlq-command.ts';
import { projectionsList, projectionsRebuild } from '../commands/projections-command.ts';
import { schemasCheckCommand } from '../commands/schemas-command.ts';
import { startCommand } from '../commands/start-command.ts';
import {
  ALL_PROCESSORS,
  connectPlatform,
  createProcessRuntime,
  observeIfEnabled,
  type Platform,
  preparePlatform,
  projectorGroup,
  refoldProjector,
  resolveEndpoints,
  rewindProjector,
  runProcessors,
  runProjector,
  untilSignal,
} from '../platform/index.ts';

/** The `eaio` command line. `argv` is `process.argv`; the environment is read once, here. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  // Defaults < config file < environment < --set flags, validated once; errors name key and layer.
  const resolved = resolveConfig({ env, cwd: process.cwd(), ...globalConfigArgs(argv) });
  const config = resolved.config;
  const loggers = createLoggerRegistry({
    level: config.log.level,
    levels: config.log.levels,
    secretPaths: secretPaths(config).map((path) => `config.${path}`),
  });
  const logger = loggers.logger('cli');
  // Before any component exists: they all take the globally registered tracer. A no-op when off.
  const tracing = tracingFromSettings(config.tracing, { serviceName: 'eaio-stream' });
  if (tracing.enabled) logger.debug({ tracing: config.tracing }, 'tracing on');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const program = new Command('eaio')
    .description('EAIO Stream: building energy data, event-sourced.')
    .option('--config <file>', 'config file (default: ./eaio.config.json if present, or EAIO_CONFIG_FILE)')
    .option(
      '--set <key=value>',
      'set one config key over file and environment (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .showHelpAfterError();

  const stack = program
    .command('stack')
    .description('Manage the local stack (Kafka, schema registry, Redis, PostgreSQL).');
  stack
    .command('up')
    .description('Start whatever is not already answering; idempotent.')
    .action(async () => {
      const endpoints = await stackUp(config, { log: say, env });
      process.stdout.write(`${JSON.stringify(endpoints, null, 2)}\n`);
    });
  stack
    .command('down')
    .description('Stop the services `stack up` started (and nothing else).')
    .action(() => stackDown(config, { log: say, env }));
  stack
    .command('status')
    .description('Show each service: running (ours), external (already there) or stopped.')
    .action(async () => {
      for (const s of await stackStatus(config)) {
        process.stdout.write(
          `${s.name.padEnd(10)} ${s.state.padEnd(9)} ${s.endpoint}${s.pid ? ` (pid ${s.pid})` : ''}\n`,
        );
      }
    });

  program
    .command('start')
    .description('Bring the stack up, then run the projector, the demo feed and the MCP HTTP server.')
    .option('--no-demo', 'do not run the demo feed')
    .action((opts: { demo: boolean }) =>
      startCommand(config, logger, { demo: opts.demo, env, loggers, resolved }),
    );

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
      const projector = await runProjector(platform, undefined, undefined, {
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
      const observed = await observeIfEnabled(
        platform,
        endpoints.registryUrl,
        projectorGroup(platform),
        loggers.logger('metrics'),
        runtime.metrics,
      );
      await untilSignal();
      await observed?.close();
      await projector.stop();
      await runtime.close();
      await platform.close();
    });

  const schemas = program.command('schemas').description('The event schemas and the registry.');
  schemas
    .command('check')
    .description(
      'Tell, before a deploy, whether the local .avsc files are compatible with the registry (exit 1 if not).',
    )
    .action(async () => {
      const ok = await schemasCheckCommand(config, await resolveEndpoints(config), (text) =>
        process.stdout.write(text),
      );
      if (!ok) process.exitCode = 1;
    });

  const withTools = async <T>(work: (deps: Platform) => Promise<T>): Promise<T> => {
    const platform = connectPlatform(config, await resolveEndpoints(config), logger);
    try {
      return await work(platform);
    } finally {
      await platform.close();
    }
  };
  const out = (text: string) => process.stdout.write(text);
  const dlq = program.command('dlq').description('Inspect and re-drive dead letters.');
  dlq
    .command('list')
    .description('List dead letters: where, why, when, how often.')
    .option('--topic <name>', 'one catalogue topic, e.g. sensor-readings (default: all)')
    .action((opts: { topic?: string }) => withTools((p) => dlqList(p, opts.topic, out)));
  dlq
    .command('show')
    .description('Show one dead letter in full, with its original bytes.')
    .requiredOption('--topic <name>', 'catalogue topic, e.g. sensor-readings')
    .requiredOption('--offset <n>', 'offset in the dead-letter topic')
    .action((opts: { topic: string; offset: string }) =>
      withTools((p) => dlqShow(p, opts.topic, opts.offset, out)),
    );
  dlq
    .command('redrive')
    .description('Send dead letters back to their source topic, once each (audited).')
    .requiredOption('--topic <name>', 'catalogue topic, e.g. sensor-readings')
    .option(
      '--offset <n>',
      'offset in the dead-letter topic (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--all', 'every letter not re-driven yet')
    .option('--actor <id>', 'who asks, for the audit log (default: user:<login>)')
    .action((opts: { topic: string; offset: string[]; all?: boolean; actor?: string }) =>
      withTools((p) =>
        dlqRedrive(
          p,
          {
            topic: opts.topic,
            offsets: opts.offset,
            all: opts.all ?? false,
            ...(opts.actor ? { actor: opts.actor } : {}),
          },
          out,
        ),
      ),
    );

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
    .action(
      async (opts: {
        toEarliest?: boolean;
        toDatetime?: string;
        dropReadModels?: boolean;
        group?: string;
        run?: boolean;
      }) => {
        if (opts.run && opts.group)
          program.error('--run refolds the projector; it cannot be combined with --group');
        const at = opts.toDatetime === undefined ? undefined : new Date(opts.toDatetime);
        if (!opts.toEarliest && at === undefined)
          program.error('replay needs --to-earliest or --to-datetime <iso>');
        if (at !== undefined && Number.isNaN(at.getTime()))
          program.error(`--to-datetime: '${opts.toDatetime}' is not a date`);
        const platform = connectPlatform(config, await resolveEndpoints(config), logger);
        try {
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
          const bar = new SingleBar(
            {
              stream: process.stderr,
              format: 'refold [{bar}] {percentage}% | {value}/{total} messages | {eta_formatted} left',
            },
            Presets.shades_classic,
          );
          bar.start(1, 0);
          const done = await refoldProjector(platform, ({ done, total }) => {
            bar.setTotal(total);
            bar.update(done);
          });
          bar.setTotal(Math.max(1, done.total));
          bar.update(done.total === 0 ? 1 : done.done);
          bar.stop();
          say(
            `Refolded ${done.done} message(s); the read models are caught up with the log as it was when replay started.`,
          );
        } finally {
          await platform.close();
        }
      },
    );

  const projections = program
    .command('projections')
    .description('The read models: generations, offsets, zero-downtime rebuilds.');
  projections
    .command('list')
    .description('Each projection: store, active generation, offsets per partition, lag.')
    .action(() => withTools((p) => projectionsList(p, out)));
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
      await withTools(async (p) => {
        await preparePlatform(p);
        await projectionsRebuild(p, name, from, say);
      });
    });

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
      const processor = await runProcessors(
        platform,
        name === 'all' ? ALL_PROCESSORS : [name as ProcessorName],
        {
          metrics: runtime.metrics,
          operations: runtime.operations,
          qualityThresholds: runtime.qualityThresholds,
        },
      );
      const observed = await observeIfEnabled(
        platform,
        endpoints.registryUrl,
        processor.groupIds.map((groupId) => ({ groupId })),
        loggers.logger('metrics'),
        runtime.metrics,
      );
      await untilSignal();
      await observed?.close();
      await processor.stop();
      await runtime.close();
      await platform.close();
    });

  program
    .command('mcp')
    .description('Serve the MCP tools and resources from the read models.')
    .addOption(new Option('--stdio', 'serve over stdin/stdout (for desktop agents)').conflicts('http'))
    .option('--http', 'serve Streamable HTTP (default)')
    .action(async (opts: { stdio?: boolean }) => {
      const platform = connectPlatform(config, await resolveEndpoints(config), logger);
      // Cached answers are invalidated by whichever process runs the projector (same Redis keys).
      const runtime = createProcessRuntime(platform, resolved, loggers, { source: 'eaio.mcp' });
      const factory = createMcpServerFactory(createReadModels({ ...platform, cache: runtime.cache }), {
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
        });
        say(`MCP Streamable HTTP on ${server.url}`);
        await untilSignal();
        await server.close();
      }
      await runtime.close();
      await platform.close();
    });

  const configCommand = program.command('config').description('The effective configuration and its secrets.');
  configCommand
    .command('show')
    .description('Print the effective configuration, secrets redacted, with where each value came from.')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) =>
      configShow(resolved, opts.json ?? false, (t) => process.stdout.write(t)),
    );
  configCommand
    .command('encrypt')
    .description(
      `Read a value on stdin and print it encrypted with ${CONFIG_KEY_VARIABLE}, for {"$encrypted": ...}.`,
    )
    .action(() => configEncrypt(process.stdin, env[CONFIG_KEY_VARIABLE], (t) => process.stdout.write(t)));

  try {
    await program.parseAsync([...argv]);
  } finally {
    // Exports the spans still queued before the process exits.
    await tracing.shutdown();
  }
}
