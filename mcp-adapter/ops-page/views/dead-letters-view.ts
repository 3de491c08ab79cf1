import { html } from 'hono/html';
import type { DeadLetterSummary } from '../../../projections/index.ts';
import { type Html, when } from './layout.ts';

/** What the last re-drive from this page did, shown above the list. */
export interface RedriveNotice {
  readonly id: string;
  readonly sent: number;
  readonly skipped: number;
}

/**
 * The failed source records, newest first, each with the consumers that refused it and why; an
 * admin gets a re-drive button on each record not re-driven yet (the page is admin-only, and the
 * POST checks the role again).
 */
export function deadLettersView(
  entries: readonly DeadLetterSummary[],
  options: { readonly canRedrive: boolean; readonly notice?: RedriveNotice; readonly more: boolean },
): Html {
  const { notice } = options;
  return html`${
    notice === undefined
      ? ''
      : html`<p class="notice" role="status" data-testid="redrive-notice">Re-drive of ${notice.id}: ${notice.sent} event(s) sent back to the source topic${notice.skipped > 0 ? html`, ${notice.skipped} letter(s) already re-driven before` : ''}.</p>`
  }
${
  entries.length === 0
    ? html`<p data-testid="no-dead-letters">No dead letters.</p>`
    : html`<table data-testid="dead-letters">
<thead><tr><th>Record</th><th>Source</th><th>Last failed</th><th>Refused by, and why</th><th>State</th>${options.canRedrive ? html`<th></th>` : ''}</tr></thead>
<tbody>
${entries.map(
  (e) => html`<tr data-letter="${e.id}">
  <td><code>${e.id}</code></td>
  <td>${e.sourceTopic === null ? 'unknown' : html`${e.sourceTopic}[${e.sourcePartition}]@${e.sourceOffset}`}</td>
  <td>${when(e.lastFailedAt)}</td>
  <td><ul class="reasons">${e.refusals.map(
    (r) =>
      html`<li><strong>${r.consumer ?? r.stage ?? '?'}</strong> <code>${r.errorCode ?? '?'}</code> <span data-field="reason">${r.errorMessage ?? ''}</span></li>`,
  )}</ul></td>
  <td data-field="state">${e.redriven ? 're-driven' : 'pending'}</td>
  ${
    options.canRedrive
      ? html`<td>${
          e.redriven
            ? ''
            : html`<form method="post" action="/dead-letters/redrive" class="inline">
    <input type="hidden" name="id" value="${e.id}">
    <button type="submit" data-action="redrive">Re-drive</button></form>`
        }</td>`
      : ''
  }
</tr>`,
)}
</tbody>
</table>${options.more ? html`<p class="hint">Newest ${entries.length} shown; <code>npx eaio dlq list</code> pages through the rest.</p>` : ''}`
}`;
}
