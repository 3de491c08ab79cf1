import type { Command } from 'commander';
import { describeFailure } from '../../infra/health/index.ts';
import { createMetrics } from '../../infra/metrics/index.ts';
import type { StationPollResult } from '../../sources/index.ts';
import {
  assertWeatherStations,
  connectPlatform,
  createPlatformWeatherPoller,
  observeIfEnabled,
  preparePlatform,
  resolveEndpoints,
  untilSignal,
} from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

/** One line per station of a `--once` poll, for scripts: what it produced, or why it failed. */
export function pollSummary(result: StationPollResult): Record<string, unknown> {
  return {
    stationId: result.stationId,
    ok: result.ok,
    observations: result.observations,
    forecasts: result.forecasts,
    alerts: result.alerts,
    unchanged: result.unchanged,
    ...(result.ok ? {} : { error: describeFailure(result.error) }),
  };
}

/**
 * `eaio weather poll [--once]`: polls the configured stations (the `weather` config section) every
 * interval until a signal, or once with `--once`, printing a JSON line per station and exiting 1 when
 * a station failed. Runs whatever `weather.poller.enabled` says (that key is for `npm start`).
 */
export function addWeatherCommand(program: Command, context: CommandContext): void {
  const { config, loggers } = context;
  const weather = program.command('weather').description('Weather service poller (Open-Meteo first).');
  weather
    .command('poll')
    .description('Poll observations and forecasts of weather.stations; produce events and heat/cold alerts.')
    .option('--once', 'poll each station once, print a JSON line per station and exit')
    .action(async (opts: { once?: boolean }) => {
      // Before any connection: a mistake in the config is said at once, and nothing is created.
      assertWeatherStations(config);
      const endpoints = await resolveEndpoints(config);
      const logger = loggers.logger('weather');
      const platform = connectPlatform(config, endpoints, logger);
      try {
        await preparePlatform(platform);
        const metrics = createMetrics();
        const { poller, readiness } = await createPlatformWeatherPoller(platform, logger, { metrics });
        if (opts.once) {
          const results = await poller.pollOnce();
          for (const result of results) context.out(`${JSON.stringify(pollSummary(result))}\n`);
          if (results.some((r) => !r.ok)) process.exitCode = 1;
          return;
        }
        const observed = await observeIfEnabled(platform, {
          registryUrl: endpoints.registryUrl,
          groups: [],
          logger: loggers.logger('metrics'),
          metrics,
          readiness: [readiness],
        });
        poller.start();
        context.say(
          `Polling ${config.weather.stations.length} station(s) every ${config.weather.poller.intervalSeconds} s; stop with Ctrl+C.`,
        );
        await untilSignal();
        await poller.stop();
        await observed?.close();
      } finally {
        await platform.close();
      }
    });
}
