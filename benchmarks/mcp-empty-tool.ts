import { z } from 'zod';
import { defineTool, READ_ONLY_TOOL, SCOPES, type ToolName } from '../mcp-adapter/index.ts';

/**
 * The MCP benchmark's ceiling: a tool that reads nothing and answers at once, registered like every
 * other tool (same span, metrics, access check, limiter and audit), so its latency is the adapter's
 * own cost over HTTP and a real tool's excess over it is the read model's.
 */
export const benchEmptyTool = defineTool({
  // Not a product tool: served only by the benchmark's adapter process.
  name: 'bench_empty' as ToolName,
  title: 'Benchmark ceiling',
  description: 'Answers immediately without reading anything.',
  input: z.object({ n: z.number().int().optional().describe('Ignored; varies the arguments.') }),
  output: z.object({ ok: z.boolean().describe('Always true.') }),
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  async handle(_args, _context: unknown) {
    return { structured: { ok: true }, text: 'ok' };
  },
});
