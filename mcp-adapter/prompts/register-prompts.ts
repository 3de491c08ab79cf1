import type { McpServer } from '@modelcontextprotocol/server';
import { anomalyInvestigation } from './anomaly-investigation.ts';
import type { PromptContext, PromptDefinition } from './define-prompt.ts';
import { energyAudit } from './energy-audit.ts';
import { weeklyPortfolioSummary } from './weekly-portfolio-summary.ts';

/** Every prompt the server offers, in the order `prompts/list` shows them. */
// biome-ignore lint/suspicious/noExplicitAny: the list holds prompts of different arguments.
export const PROMPTS: readonly PromptDefinition<any>[] = [
  energyAudit,
  anomalyInvestigation,
  weeklyPortfolioSummary,
];

/** Registers every prompt for the context's caller (its completions offer only its buildings). */
export function registerPrompts(server: McpServer, context: PromptContext): void {
  for (const prompt of PROMPTS) {
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: prompt.args(context) },
      (args: unknown) => prompt.messages(args, context),
    );
  }
}
