import { z } from 'zod';
import {
  buildingTag,
  LEVELS,
  PORTFOLIO_TAG,
  type QueryLayer,
  type Recommendation,
  RULE_IDS,
} from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { tenantField, visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import { asOfField, asOfInput, buildingIdInput, fromInput, toInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const recommendActionsInput = z.object({
  buildingId: buildingIdInput,
  from: fromInput.describe(
    'Start of the window the rules read (inclusive), ISO 8601 with a zone, e.g. 2016-01-01T00:00:00Z. Schedule drift needs at least 4 weeks; at most 184 days.',
  ),
  to: toInput,
  rules: z
    .array(z.enum(RULE_IDS))
    .min(1)
    .optional()
    .describe(`Only these rules (default all): ${RULE_IDS.join(', ')}.`),
  asOf: asOfInput(true),
});

const figure = z.object({ name: z.string(), value: z.number(), unit: z.string() });

const recommendationOutput = z.object({
  ruleId: z.enum(RULE_IDS).describe('The rule that fired.'),
  title: z.string(),
  finding: z.string().describe('What the evidence shows, rendered from the figures.'),
  action: z.string().describe("The rule's fixed advice."),
  severity: z.enum(LEVELS),
  confidence: z.enum(LEVELS).describe('How much data or how many peers the finding rests on.'),
  estimatedSaving: z.object({
    amount: z.number().nullable().describe('Energy a year; null when the action saves none by itself.'),
    unit: z.string(),
    per: z.literal('year'),
    method: z.string().describe('How the amount was computed from the figures.'),
  }),
  evidence: z.object({
    ranges: z
      .array(z.object({ from: z.string(), to: z.string(), what: z.string() }))
      .describe('Time ranges of the readings behind the finding (ISO 8601, half-open).'),
    meterIds: z.array(z.string()),
    anomalyIds: z.array(z.string()).describe('Event ids of anomalies in the hours and meters concerned.'),
    dataQualityIssueIds: z.array(z.string()).describe('Event ids of data-quality issues behind the finding.'),
    figures: z.array(figure).describe('The figures compared, e.g. the building value and the peers median.'),
    peerIds: z.array(z.string()).describe('Peer buildings ranked against (same primary use, your tenant).'),
  }),
});

export const recommendActionsOutput = z.object({
  buildingId: z.string(),
  primaryUse: z.string(),
  rulesRun: z.array(z.enum(RULE_IDS)),
  recommendations: z.array(recommendationOutput).describe('Most severe first, then the larger saving.'),
  meters: z
    .array(
      z.object({ meterId: z.string(), meterKind: z.string(), unit: z.string(), hours: z.number().int() }),
    )
    .describe('Meters read and their hours of data in the window.'),
  ...answerMetaOutput,
});

const savingText = (r: Recommendation): string =>
  r.estimatedSaving.amount === null
    ? 'no energy saving estimated'
    : `estimated saving ${round(r.estimatedSaving.amount)} ${r.estimatedSaving.unit}/year`;

/** `recommend_actions`: rule-based recommendations for a building, each with the evidence behind it. */
export const recommendActions = defineTool({
  name: TOOL_NAMES.recommendActions,
  title: 'Recommended actions for a building, with their evidence',
  description:
    'Runs fixed rules over a building\'s hourly and daily rollups, anomalies, data-quality issues, weather and its peers of the same primary use: night and weekend base load well above peers, simultaneous heating and cooling, schedule drift, meters flatlined for days. Each recommendation carries an estimated yearly saving with its method, a severity and confidence, and evidence (time ranges, meter ids, anomaly and data-quality issue ids, the figures compared) to quote. Use it for "what should we do about building X".',
  input: recommendActionsInput,
  output: recommendActionsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'energy', tags: ({ buildingId }) => [buildingTag(buildingId), PORTFOLIO_TAG] },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'recommendations' | 'buildingTenant'>>) {
    const { queries, now, principal } = context;
    await visibleBuilding(context, args.buildingId);
    // Peers are limited in SQL to the caller's tenant, as compare_to_peers ranks.
    const answer = await queries.recommendations({
      ...tenantField(principal),
      buildingId: args.buildingId,
      from: new Date(args.from),
      to: new Date(args.to),
      ...(args.rules === undefined ? {} : { rules: args.rules }),
      ...asOfField(args.asOf),
    });
    const r = answer.data;
    if (r === undefined) throw unknownBuilding(args.buildingId);
    const meta = answerMeta(answer, now());
    const structured = {
      buildingId: r.buildingId,
      primaryUse: r.primaryUse,
      rulesRun: [...r.rulesRun],
      recommendations: r.recommendations.map((x) => ({
        ...x,
        estimatedSaving: { ...x.estimatedSaving },
        evidence: {
          ranges: x.evidence.ranges.map((g) => ({
            from: g.from.toISOString(),
            to: g.to.toISOString(),
            what: g.what,
          })),
          meterIds: [...x.evidence.meterIds],
          anomalyIds: [...x.evidence.anomalyIds],
          dataQualityIssueIds: [...x.evidence.dataQualityIssueIds],
          figures: x.evidence.figures.map((f) => ({ ...f })),
          peerIds: [...x.evidence.peerIds],
        },
      })),
      meters: r.meters.map((m) => ({ ...m })),
      ...meta,
    };
    const lines =
      r.recommendations.length === 0
        ? [
            `No rule fired for ${r.buildingId} (${r.primaryUse}) from ${args.from} to ${args.to}; rules run: ${r.rulesRun.join(', ')}; ${r.meters.length} meter(s) read.`,
          ]
        : [
            `${r.recommendations.length} recommendation(s) for ${r.buildingId} (${r.primaryUse}):`,
            ...r.recommendations.map(
              (x, i) =>
                `${i + 1}. [${x.ruleId}, severity ${x.severity}, confidence ${x.confidence}] ${x.title}: ${x.finding} ${x.action} (${savingText(x)}; meters ${x.evidence.meterIds.join(', ')}${x.evidence.anomalyIds.length > 0 ? `; anomalies ${x.evidence.anomalyIds.join(', ')}` : ''}${x.evidence.dataQualityIssueIds.length > 0 ? `; data-quality issues ${x.evidence.dataQualityIssueIds.join(', ')}` : ''})`,
            ),
          ];
    return { structured, text: [...lines, answerMetaText(meta)].join('\n') };
  },
});
