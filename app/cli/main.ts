import { Command } from 'commander';
import { resolveConfig, secretPaths } from '../../infra/config/index.ts';
import { createLoggerRegistry } from '../../infra/logging/index.ts';
import { tracingFromSettings } from '../../infra/telemetry/index.ts';
import {
  addAuditCommand,
  addConfigCommand,
  addControlCommand,
  addDlqCommand,
  addGatewayCommand,
  addImportCommand,
  addMcpCommand,
  addModelsCommand,
  addProcessCommand,
  addProjectCommand,
  addProjectionsCommand,
  addReplayCommand,
  addSchemasCommand,
  addSimulateCommand,
  addStackCommand,
  addStartCommand,
  addTokenCommand,
  addWeatherCommand,
  type CommandContext,
  globalConfigArgs,
} from '../commands/index.ts';

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
  const context: CommandContext = {
    config,
    resolved,
    env,
    loggers,
    logger,
    say: (line) => process.stderr.write(`${line}\n`),
    out: (text) => process.stdout.write(text),
  };
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
  // In the order `eaio --help` lists them.
  for (const add of [
    addStackCommand,
    addStartCommand,
    addSimulateCommand,
    addImportCommand,
    addProjectCommand,
    addSchemasCommand,
    addDlqCommand,
    addAuditCommand,
    addControlCommand,
    addReplayCommand,
    addProjectionsCommand,
    addProcessCommand,
    addWeatherCommand,
    addModelsCommand,
    addGatewayCommand,
    addMcpCommand,
    addTokenCommand,
    addConfigCommand,
  ]) {
    add(program, context);
  }

  try {
    await program.parseAsync([...argv]);
  } finally {
    // Exports the spans still queued before the process exits.
    await tracing.shutdown();
  }
}
