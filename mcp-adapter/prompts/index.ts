export { anomalyInvestigation } from './anomaly-investigation.ts';
export type { PromptContext, PromptDefinition } from './define-prompt.ts';
export { definePrompt } from './define-prompt.ts';
export { energyAudit } from './energy-audit.ts';
export { PROMPTS, registerPrompts } from './register-prompts.ts';
export { lastFullWeekStart, weeklyPortfolioSummary } from './weekly-portfolio-summary.ts';
