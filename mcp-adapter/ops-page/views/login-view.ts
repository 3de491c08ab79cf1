import { html } from 'hono/html';
import { type Html, page } from './layout.ts';

/** The sign-in form: a bearer token, the same one the MCP server takes. */
export function loginView(error?: string): Html {
  return page(
    { title: 'Sign in', active: '/login', canSignOut: false },
    html`<form method="post" action="/login" class="login">
  <p>Sign in with a bearer token, the same one the MCP server takes. On the host,
  <code>npx eaio token issue --role viewer --ttl 8h</code> prints one (use <code>--role admin</code> for the
  pipeline pages and re-drive); <code>npm start</code> prints an admin token too.</p>
  ${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
  <label for="token">Token</label>
  <textarea id="token" name="token" rows="5" required autocomplete="off" spellcheck="false"></textarea>
  <button type="submit">Sign in</button>
</form>`,
  );
}
