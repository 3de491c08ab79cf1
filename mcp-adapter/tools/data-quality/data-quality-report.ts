import { z } from 'zod';
import { buildingTag, type QueryLayer } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import { asOfField, asOfInput, buildingIdInput, fromInput, toInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const dataQualityReportInput = z.object({
  buildingId: buildingIdInput,
  from: fromInput,
  to: toInput,
  asOf: asOfInput(false),
});

export const dataQualityReportOutput = z.object({
  buildingId: z.string(),
  from: z.string(),
  to: z.string(),
  totalIssues: z.number().int(),
  byKind: z
    .array(
      z.object({
        meterId: z.string(),
        issueKind: z.string().describe('e.g. spike, gap, negative, stuck.'),
        severity: z.string(),
        count: z.number().int(),
        first: z.string().describe('First occurrence in the range, ISO 8601.'),
        last: z.string().describe('Last occurrence in the range, ISO 8601.'),
      }),
    )
    .describe('Issues counted per meter, kind and severity.'),
  readingsPerMeter: z
    .array(z.object({ meterId: z.string(), readings: z.number().int() }))
    .describe('Readings stored per meter in the range, to weigh the issue counts against.'),
  ...answerMetaOutput,
});

/** `data_quality_report`: a building's data-quality issues over a range beside the readings delivered. */
export const dataQualityReport = defineTool({
  name: TOOL_NAMES.dataQualityReport,
  title: 'Data quality of a building',
  description:
    "Counts the data-quality issues (spikes, gaps, negative or stuck values) of one building's meters over a range, per meter, kind and severity, beside how many readings each meter delivered. Use it before trusting a building's numbers.",
  input: dataQualityReportInput,
  output: dataQualityReportOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'sensors', tags: ({ buildingId }) => [buildingTag(buildingId)] },
  async handle(args, context: ToolContext<Pick<QueryLayer, 'dataQuality' | 'building' | 'buildingTenant'>>) {
    const { queries, now } = context;
    await visibleBuilding(context, args.buildingId);
    const answer = await queries.dataQuality({
      buildingId: args.buildingId,
      from: new Date(args.from),
      to: new Date(args.to),
      ...asOfField(args.asOf),
    });
    const r = answer.data;
    if (
      r.totalIssues === 0 &&
      r.readingsPerMeter.length === 0 &&
      (await queries.building(args.buildingId)) === undefined
    ) {
      throw unknownBuilding(args.buildingId);
    }
    const meta = answerMeta(answer, now());
    const readings = r.readingsPerMeter.reduce((n, m) => n + m.readings, 0);
    const lines = [
      `${args.buildingId} from ${args.from} to ${args.to}: ${r.totalIssues} issue(s) over ${readings} reading(s) of ${r.readingsPerMeter.length} meter(s).`,
      ...r.byKind.map((k) => `${k.meterId}: ${k.count} ${k.issueKind} (${k.severity})`),
    ];
    return {
      structured: {
        buildingId: args.buildingId,
        from: args.from,
        to: args.to,
        totalIssues: r.totalIssues,
        byKind: r.byKind.map((k) => ({ ...k, first: k.first.toISOString(), last: k.last.toISOString() })),
        readingsPerMeter: r.readingsPerMeter.map((m) => ({ ...m })),
        ...meta,
      },
      text: [...lines, answerMetaText(meta)].join('\n'),
    };
  },
});
