import { z } from 'zod';
import { buildModelPromoted, modelVersionNamed, type QueryLayer } from '../../../projections/index.ts';
import { ALL_TENANTS, SCOPES } from '../../access/index.ts';
import { defineTool, IDEMPOTENT_WRITE_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { buildingIdInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { modelVersionInput } from './forecast-consumption.ts';
import { type ForecastWrites, promotionSinkOf } from './forecast-writes.ts';

/** `source` of the promotions the MCP adapter writes. */
export const MCP_PROMOTION_SOURCE = 'mcp-adapter';

export const promoteModelInput = z.object({
  version: modelVersionInput.describe('The version answers should use by default.'),
  scope: z
    .enum(['meter', 'building', 'all'])
    .describe("'meter' (give buildingId and meterId), 'building' (give buildingId) or 'all' meters."),
  buildingId: buildingIdInput.optional(),
  meterId: z.string().min(1).max(200).optional().describe('The meter, for scope meter.'),
  reason: z.string().min(3).max(500).describe('Why, e.g. the compare_models figures; kept in the event.'),
  dryRun: z.boolean().optional().describe('Default true: only say what would be promoted.'),
  confirm: z.boolean().optional().describe('Must be true (with dryRun: false) to promote.'),
});

export const promoteModelOutput = z.object({
  dryRun: z.boolean(),
  version: z.string(),
  scope: z.enum(['meter', 'building', 'all']),
  scopeId: z.string(),
  promotedBy: z.string(),
  eventId: z.string().nullable().describe('The ModelPromoted event written; null in a dry run.'),
});

/** `promote_model`: chooses the version answers use for a meter, a building or all, audited. */
export const promoteModel = defineTool({
  name: TOOL_NAMES.promoteModel,
  title: 'Promote a forecast model version',
  description:
    "Makes a model version the one forecast answers use by default, for one meter, one building's meters or all meters (the most specific promotion wins). Writes a ModelPromoted event naming you and your reason; the call is audited. A dry run by default: call with dryRun: false and confirm: true to promote. Check compare_models first.",
  input: promoteModelInput,
  output: promoteModelOutput,
  annotations: IDEMPOTENT_WRITE_TOOL,
  scope: SCOPES.admin,
  async handle(args, context: ToolContext<Pick<QueryLayer, 'buildingTenant'> & ForecastWrites>) {
    const { principal, now } = context;
    modelVersionNamed(args.version);
    if (args.scope === 'all' && principal.tenant !== ALL_TENANTS) {
      throw new ToolRefusal(
        `A promotion for all meters reaches every tenant's buildings, and this token is limited to tenant '${principal.tenant}'; nothing was promoted. Promote per building instead.`,
      );
    }
    if (args.scope !== 'all') {
      if (args.buildingId === undefined) throw new ToolRefusal(`A ${args.scope} promotion needs buildingId.`);
      if (args.scope === 'meter' && args.meterId === undefined)
        throw new ToolRefusal('A meter promotion needs meterId.');
      await visibleBuilding(context, args.buildingId);
    }
    const scopeId =
      args.scope === 'all' ? '*' : args.scope === 'building' ? (args.buildingId ?? '') : (args.meterId ?? '');
    const dryRun = args.dryRun !== false;
    if (!dryRun && args.confirm !== true) {
      throw new ToolRefusal('Nothing was promoted: promoting needs confirm: true with dryRun: false.');
    }
    let eventId: string | null = null;
    if (!dryRun) {
      const event = buildModelPromoted({
        scope: args.scope,
        scopeId,
        ...(args.buildingId === undefined ? {} : { buildingId: args.buildingId }),
        version: args.version,
        promotedBy: principal.subject,
        reason: args.reason,
        at: new Date(now()),
        source: MCP_PROMOTION_SOURCE,
      });
      await promotionSinkOf(context.queries).send(event);
      eventId = event.eventId;
    }
    const what = args.scope === 'all' ? 'all meters' : `${args.scope} ${scopeId}`;
    return {
      structured: {
        dryRun,
        version: args.version,
        scope: args.scope,
        scopeId,
        promotedBy: principal.subject,
        eventId,
      },
      text: dryRun
        ? `Dry run: would promote ${args.version} for ${what}. Call again with dryRun: false and confirm: true to promote.`
        : `Promoted ${args.version} for ${what} as ${principal.subject} (event ${eventId}); forecast answers use it once the models read model has folded the event.`,
    };
  },
});
