import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Principal } from '../../access/index.ts';
import { isPipelineAdmin } from '../sign-in.ts';

/** What every page body is: escaped HTML, possibly still resolving. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What the layout needs to know of the request. */
export interface PageFrame {
  readonly title: string;
  /** The nav entry to mark current, its path. */
  readonly active: string;
  /** The signed-in principal; undefined on the sign-in page. */
  readonly who?: Principal;
  /** Whether a sign-out button makes sense (false when authentication is off). */
  readonly canSignOut: boolean;
  /** Reload the page this often (seconds), for pages that show live figures. */
  readonly refreshSeconds?: number;
  readonly head?: Html;
}

const NAV: readonly { path: string; label: string; admin: boolean }[] = [
  { path: '/', label: 'Buildings', admin: false },
  { path: '/commands', label: 'Commands', admin: false },
  { path: '/pipeline', label: 'Pipeline', admin: true },
  { path: '/dead-letters', label: 'Dead letters', admin: true },
  { path: '/read-models', label: 'Read models', admin: true },
];

/** The page around a body: title, navigation (admin pages only for admins), who is signed in. */
export function page(frame: PageFrame, body: Html): Html {
  const { who } = frame;
  const admin = who !== undefined && isPipelineAdmin(who);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${frame.refreshSeconds === undefined ? '' : html`<meta http-equiv="refresh" content="${frame.refreshSeconds}">`}
<title>${frame.title} · EAIO Stream operations</title>
<link rel="stylesheet" href="/assets/ops-page.css">
${frame.head ?? ''}
</head>
<body>
<header>
  <strong class="brand">EAIO Stream</strong>
  ${
    who === undefined
      ? ''
      : html`<nav>${NAV.filter((n) => admin || !n.admin).map(
          (n) =>
            html`<a href="${n.path}" class="${n.path === frame.active ? 'current' : ''}" data-nav="${n.path}">${n.label}</a>`,
        )}</nav>
  <span class="who" data-testid="who">${who.subject} · ${who.role}${who.tenant === '*' ? '' : html` · tenant ${who.tenant}`}</span>
  ${
    frame.canSignOut
      ? html`<form method="post" action="/logout" class="inline"><button type="submit">Sign out</button></form>`
      : ''
  }`
  }
</header>
<main>
<h1>${frame.title}</h1>
${body}
</main>
</body>
</html>`;
}

/** A number with thousands separators, for offsets and counts given as text. */
export function count(value: bigint | number | string): string {
  return BigInt(value).toLocaleString('en');
}

/** An instant as ISO text without milliseconds, or a dash. */
export function when(at: Date | null | undefined): string {
  return at == null ? '—' : at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
