import { html } from 'hono/html';
import type { BuildingListing } from '../../../projections/index.ts';
import type { Html } from './layout.ts';

/** The buildings the principal may see, each linking to its view. */
export function buildingsView(buildings: readonly BuildingListing[], hasMore: boolean): Html {
  if (buildings.length === 0)
    return html`<p data-testid="no-buildings">No buildings registered yet (for your tenant).</p>`;
  return html`<table data-testid="buildings">
<thead><tr><th>Building</th><th>Site</th><th>Primary use</th><th class="num">Floor area (m²)</th><th>Weather station</th><th>Tenant</th></tr></thead>
<tbody>
${buildings.map(
  (b) => html`<tr data-building="${b.buildingId}">
  <td><a href="/buildings/${encodeURIComponent(b.buildingId)}">${b.buildingId}</a></td><td>${b.siteId ?? '—'}</td>
  <td>${b.primaryUse}</td><td class="num">${b.floorAreaM2 ?? '—'}</td><td>${b.weatherStationId ?? '—'}</td><td>${b.tenantId}</td></tr>`,
)}
</tbody>
</table>${hasMore ? html`<p class="hint">More buildings exist: narrow with <code>?q=</code>.</p>` : ''}`;
}
