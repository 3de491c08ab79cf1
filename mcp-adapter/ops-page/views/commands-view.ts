import { html } from 'hono/html';
import type { CommandTimelineEvent } from '../../../projections/index.ts';
import { type Html, when } from './layout.ts';

/** The latest control-command events across the principal's buildings, newest first. */
export function commandsView(events: readonly CommandTimelineEvent[]): Html {
  if (events.length === 0) return html`<p data-testid="no-commands">No control commands yet.</p>`;
  return html`<ol class="timeline" data-testid="commands">
${events.map(
  (e) => html`<li data-command="${e.commandId}" data-status="${e.status}">
  <time>${when(e.occurredAt)}</time> <span class="status status-${e.status}">${e.status}</span>
  <code>${e.commandId}</code> ${e.buildingId} / ${e.pointId}${e.value === null ? '' : html` → ${e.value}`}${e.actor === null ? '' : html` by ${e.actor}`}
  ${e.detail === null ? '' : html`<div class="hint">${e.detail}</div>`}
</li>`,
)}
</ol>`;
}
