import { z } from 'zod';
import type { QueryLayer } from '../../../projections/index.ts';
import { MAX_OPERATION_SUMMARIES } from '../../../projections/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText, round } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext, ToolRefusal } from '../../define-tool.ts';
import { instantInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

/** The window when none is given: the last hour. */
const DEFAULT_WINDOW_MS = 3_600_000;

export const getOperationStatsInput = z.object({
  since: instantInput('Start of the window (by the minute each operation was recorded in)')
    .optional()
    .describe('Start of the window, ISO 8601 with a zone; default one hour ago.'),
  until: instantInput('End of the window (exclusive)').optional(),
  component: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Only this component: 'mcp', 'projector', 'processor:<name>' (e.g. processor:anomalies)."),
  operation: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Only operations whose name contains this text, e.g. 'mcp.tool:' or 'query_consumption'."),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_OPERATION_SUMMARIES)
    .optional()
    .describe(`At most this many operations, busiest first; default 50, at most ${MAX_OPERATION_SUMMARIES}.`),
});

export const getOperationStatsOutput = z.object({
  window: z.object({
    since: z.string().describe('Start of the window, ISO 8601.'),
    until: z.string().nullable().describe('End of the window; null for open (up to now).'),
  }),
  operations: z
    .array(
      z.object({
        component: z.string(),
        operation: z.string(),
        calls: z.number().int(),
        errors: z.number().int(),
        p50Ms: z.number().describe('Median duration in ms (a recorded duration, nearest rank).'),
        p99Ms: z.number().describe('99th percentile duration in ms (nearest rank).'),
        maxMs: z.number(),
        meanMs: z.number(),
        errorCodes: z
          .array(z.object({ code: z.string(), count: z.number().int() }))
          .describe('Errors by code, most frequent first.'),
        firstMinute: z.string(),
        lastMinute: z.string(),
      }),
    )
    .describe('Busiest first.'),
  ...answerMetaOutput,
});

/** `get_operation_stats`: the platform's own work per operation and component over a window. */
export const getOperationStats = defineTool({
  name: TOOL_NAMES.getOperationStats,
  title: 'Operation statistics',
  description:
    "Shows the platform's own operations (MCP tool calls, processor and projector batches) over a window: calls, errors by code, and p50/p99/max duration per operation and component, from the operation-stats read model. Use it to find slow or failing parts of the platform.",
  input: getOperationStatsInput,
  output: getOperationStatsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.admin,
  async handle(args, { queries, now }: ToolContext<Pick<QueryLayer, 'operationSummary'>>) {
    const since = args.since === undefined ? new Date(now() - DEFAULT_WINDOW_MS) : new Date(args.since);
    const until = args.until === undefined ? undefined : new Date(args.until);
    if (until !== undefined && until <= since) {
      throw new ToolRefusal(
        `The window is empty: until (${until.toISOString()}) is not after since (${since.toISOString()}). Give an until after since.`,
      );
    }
    const answer = await queries.operationSummary({
      since,
      ...(until === undefined ? {} : { until }),
      ...(args.component === undefined ? {} : { component: args.component }),
      ...(args.operation === undefined ? {} : { operation: args.operation }),
      ...(args.limit === undefined ? {} : { limit: args.limit }),
    });
    const meta = answerMeta(answer, now());
    const operations = answer.data.map((o) => ({
      component: o.component,
      operation: o.operation,
      calls: o.calls,
      errors: o.errors,
      p50Ms: o.p50Ms,
      p99Ms: o.p99Ms,
      maxMs: o.maxMs,
      meanMs: o.meanMs,
      errorCodes: o.errorCodes.map((c) => ({ code: c.code, count: c.count })),
      firstMinute: o.firstMinute.toISOString(),
      lastMinute: o.lastMinute.toISOString(),
    }));
    const window = { since: since.toISOString(), until: until?.toISOString() ?? null };
    const shown = operations.slice(0, 15);
    const lines =
      operations.length === 0
        ? [
            `No operations recorded since ${window.since}${until === undefined ? '' : ` until ${window.until}`}.`,
          ]
        : [
            `${operations.length} operation(s) since ${window.since}, busiest first:`,
            ...shown.map(
              (o) =>
                `${o.component} ${o.operation}: ${o.calls} calls, ${o.errors} errors${o.errorCodes.length === 0 ? '' : ` (${o.errorCodes.map((c) => `${c.code} x${c.count}`).join(', ')})`}, p50 ${round(o.p50Ms)} ms, p99 ${round(o.p99Ms)} ms, max ${round(o.maxMs)} ms`,
            ),
            ...(operations.length > shown.length
              ? [`... and ${operations.length - shown.length} more.`]
              : []),
          ];
    return {
      structured: { window, operations, ...meta },
      text: [...lines, answerMetaText(meta)].join('\n'),
    };
  },
});
