import type { Command } from 'commander';
import { EaioError } from '../../infra/errors/index.ts';
import {
  buildModelPromoted,
  MODEL_VERSIONS,
  promotionTopicKey,
  queryModels,
} from '../../projections/index.ts';
import {
  type AuditRecord,
  derivedEventId,
  type ForecastHorizon,
  PROMOTION_SCOPES,
  type PromotionScope,
} from '../../schemas/index.ts';
import { issueForecasts, type ModelJobDeps, trainModels } from '../models/index.ts';
import type { Platform } from '../platform/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';
import { actorOf } from './control-command.ts';

/** `source` of the promotions the CLI writes. */
export const CLI_MODELS_SOURCE = 'eaio-cli';

const depsOf = (platform: Platform): ModelJobDeps => ({
  pool: platform.pool,
  producer: () => platform.producer(),
  codec: platform.codec,
  names: platform.names,
});

const list = (text: string | undefined): string[] | undefined =>
  text === undefined
    ? undefined
    : text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);

/** An instant flag, or now; INVALID_ARGUMENT naming the flag when it is not a date. */
export function instantOf(text: string | undefined, flag: string, now: () => Date = () => new Date()): Date {
  if (text === undefined) return now();
  const t = new Date(text);
  if (Number.isNaN(t.getTime())) {
    throw new EaioError('INVALID_ARGUMENT', 'permanent', `${flag} '${text}' is not an ISO 8601 instant`);
  }
  return t;
}

/** `day-ahead` / `week-ahead` (or both) as the events spell them. */
export function horizonsOf(text: string | undefined): ForecastHorizon[] {
  if (text === undefined) return ['day_ahead', 'week_ahead'];
  if (text === 'day-ahead') return ['day_ahead'];
  if (text === 'week-ahead') return ['week_ahead'];
  throw new EaioError('INVALID_ARGUMENT', 'permanent', `--horizon '${text}': use day-ahead or week-ahead`);
}

/**
 * `eaio models train|forecast|promote|list`: the trainer and forecaster the periodic job of
 * `eaio start` runs (`models.job`), on demand, and the promotion of a version (an audited admin
 * action: the event names who promoted and why, and the topic keeps it forever).
 */
export function addModelsCommand(program: Command, context: CommandContext): void {
  const { config } = context;
  const models = program.command('models').description('Forecast models: train, forecast, promote, list.');
  models
    .command('train')
    .description(
      'Fit model versions on hourly rollups and weather; publish ModelTrained per meter and version.',
    )
    .option(
      '--version <versions>',
      `comma-separated versions (${MODEL_VERSIONS.map((v) => v.version).join(', ')}); default models.job.versions`,
    )
    .option('--meters <ids>', 'comma-separated meter ids; default every meter')
    .option('--as-of <instant>', 'training windows end at this UTC day start; default now')
    .option('--force', 'fit and publish again even when the model of these windows exists (a duplicate)')
    .option('--dry-run', 'fit and print, publish nothing')
    .action(
      async (opts: {
        version?: string;
        meters?: string;
        asOf?: string;
        force?: boolean;
        dryRun?: boolean;
      }) => {
        const asOf = instantOf(opts.asOf, '--as-of');
        const meterIds = list(opts.meters);
        const report = await withPlatform(context, (platform) =>
          trainModels(depsOf(platform), {
            versions: list(opts.version) ?? config.models.job.versions,
            asOf,
            ...(meterIds === undefined ? {} : { meterIds }),
            skipExisting: opts.force !== true,
            dryRun: opts.dryRun === true,
          }),
        );
        for (const m of report.trained) {
          context.out(
            `${JSON.stringify({ modelId: m.modelId, meterId: m.meterId, version: m.version, heldBack: { n: m.heldBackN, cvRmse: m.heldBackCvRmse, nmbe: m.heldBackNmbe, r2: m.heldBackR2 }, contentHash: m.contentHash })}\n`,
          );
        }
        for (const s of report.skipped) context.out(`${JSON.stringify({ skipped: s })}\n`);
        context.say(
          `${opts.dryRun ? 'fitted (dry run)' : 'published'} ${report.trained.length} model(s); ${report.existing} already trained for these windows; ${report.skipped.length} skipped`,
        );
      },
    );
  models
    .command('forecast')
    .description('Issue day-ahead and week-ahead forecasts from the latest model of each version.')
    .option('--horizon <horizon>', 'day-ahead or week-ahead; default both')
    .option('--version <versions>', 'comma-separated versions; default models.job.versions')
    .option('--meters <ids>', 'comma-separated meter ids; default every meter')
    .option('--as-of <instant>', 'issue time (floored to the hour); default now')
    .option('--dry-run', 'forecast and print, publish nothing')
    .action(
      async (opts: {
        horizon?: string;
        version?: string;
        meters?: string;
        asOf?: string;
        dryRun?: boolean;
      }) => {
        const horizons = horizonsOf(opts.horizon);
        const asOf = instantOf(opts.asOf, '--as-of');
        const meterIds = list(opts.meters);
        const report = await withPlatform(context, (platform) =>
          issueForecasts(depsOf(platform), {
            versions: list(opts.version) ?? config.models.job.versions,
            horizons,
            asOf,
            ...(meterIds === undefined ? {} : { meterIds }),
            dryRun: opts.dryRun === true,
          }),
        );
        for (const f of report.issued) {
          const total = f.hours.reduce((s, h) => s + h.value, 0);
          context.out(
            `${JSON.stringify({ meterId: f.meterId, version: f.version, horizon: f.horizon, modelId: f.modelId, hours: f.hours.length, total, unit: f.unit })}\n`,
          );
        }
        for (const s of report.skipped) context.out(`${JSON.stringify({ skipped: s })}\n`);
        context.say(
          `${opts.dryRun ? 'forecast (dry run)' : 'published'} ${report.issued.length} forecast(s); ${report.skipped.length} skipped`,
        );
      },
    );
  models
    .command('promote')
    .description(
      'Promote a version for a meter, a building or all meters (audited: who and why are in the event).',
    )
    .requiredOption('--version <version>', 'the version answers should use')
    .requiredOption('--scope <scope>', `one of ${PROMOTION_SCOPES.join(', ')}`)
    .option('--id <id>', 'the meter or building id (not for all)')
    .option('--building <id>', "the meter's building (meter scope)")
    .requiredOption('--reason <text>', 'why, e.g. the compare_models figures')
    .option('--as <principal>', 'who promotes; default user:<login>')
    .action(
      async (opts: {
        version: string;
        scope: string;
        id?: string;
        building?: string;
        reason: string;
        as?: string;
      }) => {
        if (!(PROMOTION_SCOPES as readonly string[]).includes(opts.scope)) {
          throw new EaioError(
            'INVALID_ARGUMENT',
            'permanent',
            `--scope '${opts.scope}': use ${PROMOTION_SCOPES.join(', ')}`,
          );
        }
        const scope = opts.scope as PromotionScope;
        const buildingId = scope === 'building' ? opts.id : opts.building;
        const event = buildModelPromoted({
          scope,
          ...(opts.id === undefined ? {} : { scopeId: opts.id }),
          ...(buildingId === undefined ? {} : { buildingId }),
          version: opts.version,
          promotedBy: actorOf(opts.as),
          reason: opts.reason,
          at: new Date(),
          source: CLI_MODELS_SOURCE,
        });
        await withPlatform(context, async (platform) => {
          const value = await platform.codec.encode('modelPromotions', event);
          await (await platform.producer()).send({
            topic: platform.names.topic('modelPromotions'),
            acks: -1,
            messages: [{ key: promotionTopicKey(event), value }],
          });
          // Audited as `eaio dlq redrive` is: an AuditRecord naming the actor (MCP calls are audited by the adapter).
          const audit: AuditRecord = {
            eventId: derivedEventId('promote-model', event.eventId),
            occurredAt: event.occurredAt,
            source: CLI_MODELS_SOURCE,
            actor: event.promotedBy,
            action: 'promote-model',
            target: promotionTopicKey(event),
            outcome: 'success',
            details: { version: event.version, reason: event.reason, promotionEventId: event.eventId },
            traceContext: null,
          };
          await (await platform.producer()).send({
            topic: platform.names.topic('auditLog'),
            acks: -1,
            messages: [{ key: audit.actor, value: await platform.codec.encode('auditLog', audit) }],
          });
        });
        context.out(`${JSON.stringify({ promoted: event })}\n`);
      },
    );
  models
    .command('list')
    .description('Models of a building or meter with their held-back scores (from the models read model).')
    .option('--building <id>', 'building id')
    .option('--meter <id>', 'meter id')
    .option('--version <version>', 'only this version')
    .action(async (opts: { building?: string; meter?: string; version?: string }) => {
      const rows = await withPlatform(context, (platform) =>
        queryModels(platform.pool, {
          ...(opts.building === undefined ? {} : { buildingId: opts.building }),
          ...(opts.meter === undefined ? {} : { meterId: opts.meter }),
          ...(opts.version === undefined ? {} : { version: opts.version }),
        }),
      );
      for (const r of rows) context.out(`${JSON.stringify(r)}\n`);
    });
}
