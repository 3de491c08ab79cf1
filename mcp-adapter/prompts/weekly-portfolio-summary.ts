import { z } from 'zod';
import { ALL_TENANTS } from '../access/index.ts';
import { TOOL_NAMES } from '../tool-names.ts';
import { CITE_PROVENANCE, DAY_MS, definePrompt, userMessage } from './define-prompt.ts';

/** The Monday (UTC) of the last full week before `ms`, as `YYYY-MM-DD`. */
export function lastFullWeekStart(ms: number): string {
  const today = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(today).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(today - (weekday + 7) * DAY_MS).toISOString().slice(0, 10);
}

/** `weekly_portfolio_summary`: one week of the caller's buildings, compared with the week before. */
export const weeklyPortfolioSummary = definePrompt({
  name: 'weekly_portfolio_summary',
  title: 'Weekly portfolio summary',
  description:
    "Summarise one week of every building you can see (your tenant's portfolio): consumption against the week before, the largest consumers and movers, anomalies and data-quality issues, citing provenance.",
  args: () =>
    z.object({
      weekStarting: z.iso
        .date()
        .optional()
        .describe('Monday the week starts on (UTC), YYYY-MM-DD; the last full week by default.'),
    }),
  messages({ weekStarting }, { now, principal }) {
    const monday = weekStarting ?? lastFullWeekStart(now());
    const from = `${monday}T00:00:00Z`;
    const to = new Date(Date.parse(from) + 7 * DAY_MS).toISOString();
    const before = new Date(Date.parse(from) - 7 * DAY_MS).toISOString();
    const portfolio = principal.tenant === ALL_TENANTS ? 'every tenant' : `tenant ${principal.tenant}`;
    return userMessage(`Weekly portfolio summary, week of ${monday}`, [
      `Summarise the week from ${from} to ${to} for the buildings of ${portfolio}, with the EAIO Stream tools:`,
      '1. list_buildings (or list the eaio://buildings/{id} resources): every building you can see, with its primary use.',
      `2. For each building, ${TOOL_NAMES.queryConsumption} with bucket 1d from ${before} to ${to}: this week per day and the week before, per meter kind.`,
      `3. For each building, ${TOOL_NAMES.listAnomalies} from ${from} to ${to}, and ${TOOL_NAMES.dataQualityReport} over the same week.`,
      `4. For the three largest consumers, ${TOOL_NAMES.compareToPeers} over the week.`,
      'Report: total consumption per meter kind and its change against the week before; the five largest consumers and the five largest movers (up or down, in % and absolute); every building with anomalies (count, strongest) or data-quality issues (which, how many hours affected); buildings with no data this week.',
      `Keep it to one screen, with a table per section. ${CITE_PROVENANCE}`,
    ]);
  },
});
