import { html } from 'hono/html';
import type { AnomalyView, BuildingView, DataQualityIssueView } from '../../../projections/index.ts';
import { type Html, when } from './layout.ts';

/** The chart ranges offered, in hours: a day, a week, a month of hourly buckets. */
export const CHART_RANGES = [24, 168, 720] as const;

/**
 * One building: its meters with their latest readings, the chart of its hourly consumption against
 * the temperature (drawn by the client script from the series URL, refreshed every `refreshSeconds`),
 * and the anomalies and data-quality issues of the range, which the chart also marks.
 */
export function buildingView(
  building: BuildingView,
  chart: {
    readonly seriesUrl: string;
    readonly hours: number;
    readonly refreshSeconds: number;
    readonly weatherShown: boolean;
  },
  anomalies: readonly AnomalyView[],
  issues: readonly DataQualityIssueView[],
): Html {
  const path = `/buildings/${encodeURIComponent(building.buildingId)}`;
  return html`<p class="facts">${building.primaryUse}${building.siteId ? html` · site ${building.siteId}` : ''}${building.floorAreaM2 ? html` · ${building.floorAreaM2} m²` : ''} · ${building.timezone} · weather station ${building.weatherStationId ?? 'none'} · tenant ${building.tenantId}</p>
<section>
<h2>Meters</h2>
<table data-testid="meters">
<thead><tr><th>Meter</th><th>Kind</th><th class="num">Latest</th><th>Unit</th><th>At</th></tr></thead>
<tbody>${building.meters.map(
    (m) =>
      html`<tr data-meter="${m.meterId}"><td>${m.meterId}</td><td>${m.meterKind}</td><td class="num" data-field="latest">${m.lastValue}</td><td>${m.unit}</td><td>${when(m.lastReadingAt)}</td></tr>`,
  )}</tbody>
</table>
</section>
<section>
<h2>Consumption${chart.weatherShown ? ' against weather' : ''}</h2>
<p class="ranges">Range: ${CHART_RANGES.map((h) => (h === chart.hours ? html`<strong>${label(h)}</strong> ` : html`<a href="${path}?hours=${h}">${label(h)}</a> `))}
<span class="hint">Live: redrawn every ${chart.refreshSeconds} s. <span class="mark-anomaly">▮</span> anomaly <span class="mark-issue">▮</span> data-quality issue</span></p>
<div id="chart" data-testid="chart" data-series="${chart.seriesUrl}" data-refresh="${chart.refreshSeconds}"></div>
<p class="hint" id="chart-status" data-testid="chart-status">Loading…</p>
</section>
<section>
<h2>Anomalies</h2>
${
  anomalies.length === 0
    ? html`<p data-testid="no-anomalies">None in this range.</p>`
    : html`<table data-testid="anomalies"><thead><tr><th>Reading at</th><th>Meter</th><th class="num">Observed</th><th class="num">Expected</th><th class="num">Score</th></tr></thead><tbody>${anomalies.map(
        (a) =>
          html`<tr><td>${when(a.readingAt)}</td><td>${a.meterId}</td><td class="num">${a.observedValue}</td><td class="num">${a.expectedLow.toFixed(1)}–${a.expectedHigh.toFixed(1)}</td><td class="num">${a.score.toFixed(1)}</td></tr>`,
      )}</tbody></table>`
}
</section>
<section>
<h2>Data-quality issues</h2>
${
  issues.length === 0
    ? html`<p data-testid="no-issues">None in this range.</p>`
    : html`<table data-testid="issues"><thead><tr><th>At</th><th>Meter</th><th>Kind</th><th>Severity</th></tr></thead><tbody>${issues.map(
        (i) =>
          html`<tr><td>${when(i.readingAt ?? i.occurredAt)}</td><td>${i.meterId}</td><td>${i.issueKind}</td><td>${i.severity}</td></tr>`,
      )}</tbody></table>`
}
</section>`;
}

function label(hours: number): string {
  return hours % 24 === 0 ? `${hours / 24} d` : `${hours} h`;
}
