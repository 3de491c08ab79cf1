import { html } from 'hono/html';
import type { ConsumerGroupStatus, PipelineTopic } from '../../pipeline-admin.ts';
import { count, type Html } from './layout.ts';

/** A topic as the pipeline page shows it: its size and how fast it grows. */
export interface TopicRow {
  readonly topic: PipelineTopic;
  /** Messages in the log now: end minus start offsets, summed over partitions. */
  readonly messages: bigint;
  readonly end: bigint;
  /** Messages per second since an earlier view, undefined before there is one. */
  readonly rate: number | undefined;
}

function rateText(rate: number | undefined): string {
  return rate === undefined ? 'measuring…' : `${rate.toFixed(rate < 10 ? 2 : 0)}/s`;
}

/** Topics with their rates, then each consumer group (stage) with its lag per topic. */
export function pipelineView(topics: readonly TopicRow[], groups: readonly ConsumerGroupStatus[]): Html {
  return html`<section>
<h2>Topics</h2>
<p class="hint">Rates are the growth of the end offsets since an earlier view of this page (it reloads itself).</p>
<table data-testid="topics">
<thead><tr><th>Topic</th><th>Kind</th><th class="num">Partitions</th><th class="num">Messages</th><th class="num">End offset</th><th class="num">Rate</th></tr></thead>
<tbody>
${topics.map(
  (t) => html`<tr data-topic="${t.topic.topic}">
  <td>${t.topic.topic}</td><td>${t.topic.deadLetter ? 'dead letters' : t.topic.key}</td>
  <td class="num">${t.topic.partitions.length}</td><td class="num" data-field="messages">${count(t.messages)}</td>
  <td class="num">${count(t.end)}</td><td class="num" data-field="rate">${rateText(t.rate)}</td></tr>`,
)}
</tbody>
</table>
</section>
<section>
<h2>Consumer groups</h2>
<table data-testid="groups">
<thead><tr><th>Stage</th><th>Group</th><th>State</th><th class="num">Members</th><th>Topic</th><th class="num">Lag</th></tr></thead>
<tbody>
${groups.flatMap((g) =>
  (g.topics.length === 0 ? [{ topic: '—', lag: '0', partitions: [] }] : g.topics).map(
    (t, i) => html`<tr data-consumer="${g.consumer}" data-topic="${t.topic}">
  ${i === 0 ? html`<td rowspan="${Math.max(1, g.topics.length)}">${g.consumer}</td><td rowspan="${Math.max(1, g.topics.length)}">${g.groupId}</td><td rowspan="${Math.max(1, g.topics.length)}" class="state-${g.state.toLowerCase()}">${g.state}</td><td rowspan="${Math.max(1, g.topics.length)}" class="num">${g.members}</td>` : ''}
  <td>${t.topic}</td><td class="num ${BigInt(t.lag) > 0n ? 'behind' : ''}" data-field="lag">${count(t.lag)}</td></tr>`,
  ),
)}
</tbody>
</table>
</section>`;
}
