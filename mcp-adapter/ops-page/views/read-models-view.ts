import { html } from 'hono/html';
import type { GenerationReport } from '../../../projections/index.ts';
import { count, type Html, when } from './layout.ts';

/** A generation of a read model with where it stands against the log's end. */
export interface GenerationRow {
  readonly projection: string;
  readonly generation: GenerationReport;
  readonly lag: bigint;
  readonly reached: bigint;
  readonly total: bigint;
}

function percent(reached: bigint, total: bigint): string {
  if (total === 0n) return '100%';
  return `${((Number(reached) * 100) / Number(total)).toFixed(1)}%`;
}

/**
 * Every read model's generations: the active one and its lag, and any generation being rebuilt
 * beside it with its progress (messages passed of those in the log).
 */
export function readModelsView(rows: readonly GenerationRow[]): Html {
  return html`<p class="hint">A rebuild (<code>npx eaio projections rebuild NAME</code>) builds a new generation beside the active one and switches it in once it has caught up.</p>
<table data-testid="read-models">
<thead><tr><th>Read model</th><th class="num">Generation</th><th>Status</th><th>Store</th><th>Progress</th><th class="num">Lag</th><th>Last applied</th><th>Activated</th></tr></thead>
<tbody>
${rows.map(
  (
    r,
  ) => html`<tr data-projection="${r.projection}" data-generation="${r.generation.generation}" data-status="${r.generation.status}">
  <td>${r.projection}</td><td class="num">${r.generation.generation}</td><td class="status-${r.generation.status}">${r.generation.status}</td>
  <td>${r.generation.store}</td>
  <td><progress max="100" value="${r.total === 0n ? 100 : Math.floor((Number(r.reached) * 100) / Number(r.total))}"></progress> <span data-field="progress">${percent(r.reached, r.total)}</span> <span class="hint">(${count(r.reached)} of ${count(r.total)})</span></td>
  <td class="num" data-field="lag">${count(r.lag)}</td>
  <td>${when(r.generation.lastAppliedAt)}</td><td>${when(r.generation.activatedAt)}</td></tr>`,
)}
</tbody>
</table>`;
}
