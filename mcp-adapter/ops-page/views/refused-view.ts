import { html } from 'hono/html';
import type { Principal } from '../../access/index.ts';
import { type Html, page } from './layout.ts';

/** The answer to a page or action the principal's role does not allow. */
export function refusedView(who: Principal, canSignOut: boolean, why: string): Html {
  return page(
    { title: 'Not allowed', active: '', who, canSignOut },
    html`<p class="error" role="alert">${why}</p>`,
  );
}
