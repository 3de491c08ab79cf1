import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import { EaioError } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { QueryLayer } from '../../projections/index.ts';
import { holds, type Principal, SCOPES, seesTenant } from '../access/index.ts';
import type { PipelineAdmin } from '../pipeline-admin.ts';
import { generationProgress } from '../tools/index.ts';
import { allowedNames, isLoopback, urlHost } from '../transports/index.ts';
import { buildingSeries } from './building-series.ts';
import { type AccessTokenVerifier, isPipelineAdmin, signIn, TOKEN_COOKIE } from './sign-in.ts';
import { createTopicRates } from './topic-rates.ts';
import { buildingView, CHART_RANGES } from './views/building-view.ts';
import { buildingsView } from './views/buildings-view.ts';
import { commandsView } from './views/commands-view.ts';
import { deadLettersView } from './views/dead-letters-view.ts';
import { type Html, page } from './views/layout.ts';
import { loginView } from './views/login-view.ts';
import { pipelineView, type TopicRow } from './views/pipeline-view.ts';
import { type GenerationRow, readModelsView } from './views/read-models-view.ts';
import { refusedView } from './views/refused-view.ts';

/** The reads the operations page shows: the MCP tools' query layer and pipeline port, no more. */
export type OpsPageReads = Pick<
  QueryLayer,
  | 'buildings'
  | 'buildingDetail'
  | 'buildingTenant'
  | 'consumption'
  | 'anomalies'
  | 'dataQualityIssues'
  | 'weatherHours'
  | 'commandTimeline'
  | 'deadLetters'
  | 'deadLetter'
  | 'projectionGenerations'
> & { readonly pipeline: PipelineAdmin };

/** Who may use the page: token holders as on the MCP server, or (auth off, loopback only) one local principal. */
export type OpsPageAuth =
  | { readonly mode: 'token'; readonly verifier: AccessTokenVerifier }
  | { readonly mode: 'none'; readonly principal: Principal };

export interface OpsPageServerOptions {
  readonly host: string;
  readonly port: number;
  readonly reads: OpsPageReads;
  readonly auth: OpsPageAuth;
  readonly logger: Logger;
  /** How often live views reload or redraw, seconds. */
  readonly refreshSeconds: number;
  /** Host names accepted besides loopback names (on a loopback bind) and the bound interface. */
  readonly allowedHosts?: readonly string[];
}

export interface RunningOpsPageServer {
  /** The page's address, e.g. http://127.0.0.1:3100/. */
  readonly url: string;
  close(): Promise<void>;
}

type Env = { Variables: { principal: Principal } };

/** The newest dead letters one page lists. */
const DEAD_LETTER_PAGE = 100;

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { readonly file: string; readonly type: string }> = {
  'uplot.js': { file: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript' },
  'uplot.css': { file: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css' },
  'building-chart.js': {
    file: new URL('./assets/building-chart.js', import.meta.url).pathname,
    type: 'text/javascript',
  },
  'ops-page.css': { file: new URL('./assets/ops-page.css', import.meta.url).pathname, type: 'text/css' },
};

function refuseStart(message: string): EaioError {
  return new EaioError('CONFIG_INVALID', 'permanent', message);
}

/**
 * The operations page: server-rendered HTML over the same query layer and pipeline port the MCP tools
 * use, behind the same tokens and roles. Sign-in takes a bearer token (verified as the MCP server
 * verifies it) and keeps it in an HttpOnly, SameSite=Strict cookie; every request verifies it again,
 * so an expired or revoked key ends the session. The pipeline pages and re-drive need what the MCP
 * admin tools need (the admin scope, every tenant), checked on every request, a POST included.
 * Host is checked (DNS rebinding), POSTs must come from the page's own origin, and the content
 * security policy allows scripts from the page's own assets only.
 */
export async function startOpsPageServer(options: OpsPageServerOptions): Promise<RunningOpsPageServer> {
  const { reads, auth, logger, refreshSeconds } = options;
  if (auth.mode === 'none' && !isLoopback(options.host))
    throw refuseStart(
      `the operations page without sign-in (mcp.auth.mode=none) is refused on ${options.host}: bind it to loopback`,
    );
  const names = allowedNames(options.host, undefined, { hosts: options.allowedHosts ?? [] });
  const allowedHostnames = new Set(names.hosts);
  const rates = createTopicRates();
  const canSignOut = auth.mode === 'token';
  const app = new Hono<Env>();

  app.onError((error, c) => {
    if (error instanceof EaioError && error.code === 'INVALID_ARGUMENT')
      return c.html(
        page({ title: 'Bad request', active: '', canSignOut }, html`<p class="error">${error.message}</p>`),
        400,
      );
    logger.error({ err: error, path: c.req.path }, 'operations page request failed');
    return c.text('The page could not be built; see the platform log.', 500);
  });
  app.use(async (c, next) => {
    const hostname = new URL(c.req.url).hostname;
    if (!allowedHostnames.has(hostname) && !allowedHostnames.has(urlHost(hostname)))
      return c.text(`Host ${hostname} is not served here`, 403);
    return next();
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    }),
  );
  // Same-origin POSTs only: with the SameSite=Strict cookie, a page elsewhere cannot act for the user.
  app.use(csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin }));

  app.get('/assets/:name', async (c) => {
    const asset = ASSETS[c.req.param('name')];
    if (asset === undefined) return c.notFound();
    return c.body(await readFile(asset.file), 200, {
      'content-type': asset.type,
      'cache-control': 'max-age=300',
    });
  });

  app.get('/login', (c) => (auth.mode === 'none' ? c.redirect('/') : c.html(loginView())));
  app.post('/login', async (c) => {
    if (auth.mode === 'none') return c.redirect('/');
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim().replace(/^Bearer\s+/i, '') : '';
    const verdict = await signIn(auth.verifier, token);
    if ('refused' in verdict) return c.html(loginView(verdict.refused), 401);
    setCookie(c, TOKEN_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      ...(verdict.expiresAt === undefined
        ? {}
        : { maxAge: Math.max(1, verdict.expiresAt - Math.floor(Date.now() / 1000)) }),
    });
    logger.info(
      { subject: verdict.principal.subject, role: verdict.principal.role },
      'operations page sign-in',
    );
    return c.redirect('/');
  });
  app.post('/logout', (c) => {
    deleteCookie(c, TOKEN_COOKIE, { path: '/' });
    return c.redirect('/login');
  });

  // Everything below needs a principal: the local one, or the cookie's (or a bearer header's) token.
  app.use(async (c, next) => {
    if (auth.mode === 'none') {
      c.set('principal', auth.principal);
      return next();
    }
    const header = c.req.header('authorization');
    const token = header?.replace(/^Bearer\s+/i, '') ?? getCookie(c, TOKEN_COOKIE) ?? '';
    const verdict = token === '' ? undefined : await signIn(auth.verifier, token);
    if (verdict === undefined || 'refused' in verdict) {
      if (c.req.method === 'GET' && !c.req.path.endsWith('.json')) {
        if (verdict !== undefined) deleteCookie(c, TOKEN_COOKIE, { path: '/' });
        return verdict === undefined ? c.redirect('/login') : c.html(loginView(verdict.refused), 401);
      }
      return c.json({ error: verdict === undefined ? 'sign in first' : verdict.refused }, 401);
    }
    c.set('principal', verdict.principal);
    return next();
  });

  const refuse = (c: Context<Env>, why: string) =>
    c.html(refusedView(c.get('principal'), canSignOut, why), 403);
  const NOT_ADMIN =
    'This page is for admins of every tenant (the admin scope, as the MCP pipeline tools need). Ask for an admin token.';
  const show = (c: Context<Env>, title: string, active: string, body: Html, live = false) =>
    c.html(
      page({ title, active, who: c.get('principal'), canSignOut, ...(live ? { refreshSeconds } : {}) }, body),
    );

  app.get('/', async (c) => {
    const who = c.get('principal');
    if (!holds(who, SCOPES.energyRead)) return refuse(c, 'This token does not grant energy:read.');
    const text = c.req.query('q');
    const answer = await reads.buildings({
      limit: 200,
      ...(who.tenant === '*' ? {} : { tenantId: who.tenant }),
      ...(text === undefined || text === '' ? {} : { text }),
    });
    return show(c, 'Buildings', '/', buildingsView(answer.data.buildings, answer.data.hasMore));
  });

  app.get('/commands', async (c) => {
    const who = c.get('principal');
    if (!holds(who, SCOPES.energyRead)) return refuse(c, 'This token does not grant energy:read.');
    const answer = await reads.commandTimeline({
      limit: 200,
      ...(who.tenant === '*' ? {} : { tenantId: who.tenant }),
    });
    return show(c, 'Command timeline', '/commands', commandsView(answer.data), true);
  });

  /** The building and chart range a building request names, or the refusal. */
  async function buildingRequest(c: Context<Env>) {
    const who = c.get('principal');
    const buildingId = c.req.param('id') ?? '';
    if (!holds(who, SCOPES.energyRead)) return { refused: 'This token does not grant energy:read.' };
    const tenant = await reads.buildingTenant(buildingId);
    const building = tenant === undefined ? undefined : (await reads.buildingDetail(buildingId)).data;
    if (tenant === undefined || building === undefined || !seesTenant(who, tenant))
      return { missing: `No building '${buildingId}' that you may see.` };
    const asked = Number(c.req.query('hours') ?? 168);
    const hours = (CHART_RANGES as readonly number[]).includes(asked) ? asked : 168;
    // The chart ends at the building's newest reading: replayed or imported history shows as it is.
    const newest = Math.max(0, ...building.meters.map((m) => m.lastReadingAt.getTime()));
    const end = Math.ceil((newest === 0 ? Date.now() : newest + 1) / 3_600_000) * 3_600_000;
    const range = { from: new Date(end - hours * 3_600_000), to: new Date(end) };
    const weatherShown = holds(who, SCOPES.weatherRead) && building.weatherStationId != null;
    return { who, building, hours, range, weatherShown };
  }

  async function rangeMarks(buildingId: string, range: { from: Date; to: Date }) {
    const [anomalies, issues] = await Promise.all([
      reads.anomalies({ buildingId, ...range, limit: 500 }),
      reads.dataQualityIssues({ buildingId, ...range, limit: 500 }),
    ]);
    return { anomalies: anomalies.data, issues: issues.data };
  }

  app.get('/buildings/:id', async (c) => {
    const request = await buildingRequest(c);
    if ('refused' in request) return refuse(c, request.refused ?? '');
    if ('missing' in request)
      return c.html(refusedView(c.get('principal'), canSignOut, request.missing ?? ''), 404);
    const { building, hours, range, weatherShown } = request;
    const marks = await rangeMarks(building.buildingId, range);
    return c.html(
      page(
        {
          title: building.buildingId,
          active: '/',
          who: request.who,
          canSignOut,
          head: html`<link rel="stylesheet" href="/assets/uplot.css">
<script src="/assets/uplot.js" defer></script>
<script src="/assets/building-chart.js" defer></script>`,
        },
        buildingView(
          building,
          {
            seriesUrl: `/buildings/${encodeURIComponent(building.buildingId)}/series.json?hours=${hours}`,
            hours,
            refreshSeconds,
            weatherShown,
          },
          marks.anomalies,
          marks.issues,
        ),
      ),
    );
  });

  app.get('/buildings/:id/series.json', async (c) => {
    const request = await buildingRequest(c);
    if ('refused' in request) return c.json({ error: request.refused }, 403);
    if ('missing' in request) return c.json({ error: request.missing }, 404);
    const { building, range, weatherShown } = request;
    const [consumption, weather, marks] = await Promise.all([
      reads.consumption({ buildingId: building.buildingId, ...range, bucket: '1h' }),
      weatherShown && building.weatherStationId != null
        ? reads.weatherHours({ stationId: building.weatherStationId, ...range })
        : undefined,
      rangeMarks(building.buildingId, range),
    ]);
    return c.json(
      buildingSeries(
        building.buildingId,
        range,
        consumption.data,
        weather?.data,
        marks.anomalies,
        marks.issues,
      ),
    );
  });

  app.get('/pipeline', async (c) => {
    if (!isPipelineAdmin(c.get('principal'))) return refuse(c, NOT_ADMIN);
    const [topics, groups] = await Promise.all([reads.pipeline.topics(), reads.pipeline.consumerGroups()]);
    const now = Date.now();
    const rows: TopicRow[] = topics.map((topic) => {
      const end = topic.partitions.reduce((s, p) => s + BigInt(p.high), 0n);
      const start = topic.partitions.reduce((s, p) => s + BigInt(p.low), 0n);
      return { topic, end, messages: end - start, rate: rates.observe(topic.topic, end, now) };
    });
    return show(c, 'Pipeline', '/pipeline', pipelineView(rows, groups), true);
  });

  app.get('/read-models', async (c) => {
    if (!isPipelineAdmin(c.get('principal'))) return refuse(c, NOT_ADMIN);
    const [states, topics] = await Promise.all([reads.projectionGenerations(), reads.pipeline.topics()]);
    const rows: GenerationRow[] = states.data.flatMap((state) =>
      state.generations
        .filter((g) => g.status !== 'retired')
        .map((generation) => {
          const progress = generationProgress(state, generation, topics);
          return { projection: state.projection, generation, ...progress };
        }),
    );
    return show(c, 'Read models', '/read-models', readModelsView(rows), true);
  });

  app.get('/dead-letters', async (c) => {
    const who = c.get('principal');
    if (!isPipelineAdmin(who)) return refuse(c, NOT_ADMIN);
    const answer = await reads.deadLetters({ limit: DEAD_LETTER_PAGE });
    const id = c.req.query('redriven');
    const notice =
      id === undefined
        ? undefined
        : { id, sent: Number(c.req.query('sent') ?? 0), skipped: Number(c.req.query('skipped') ?? 0) };
    return show(
      c,
      'Dead letters',
      '/dead-letters',
      deadLettersView(answer.data.entries, {
        canRedrive: true,
        more: answer.data.nextCursor !== null,
        ...(notice === undefined ? {} : { notice }),
      }),
    );
  });

  app.post('/dead-letters/redrive', async (c) => {
    const who = c.get('principal');
    // Checked here as well as on the page: a forged POST by a viewer is refused before anything is read.
    if (!isPipelineAdmin(who)) return refuse(c, NOT_ADMIN);
    const form = await c.req.parseBody();
    const id = typeof form.id === 'string' ? form.id : '';
    const record = id === '' ? undefined : (await reads.deadLetter(id)).data;
    if (record === undefined)
      return c.html(refusedView(who, canSignOut, `No dead letter '${id}' is in the dead-letter index.`), 404);
    // Every letter of the record: the pipeline port re-drives each source position once, and only
    // what an earlier re-drive has not sent.
    const outcome = await reads.pipeline.redrive({
      letterIds: record.refusals.map((r) => r.letterId),
      actor: who.subject,
      dryRun: false,
    });
    logger.info(
      { id, actor: who.subject, sent: outcome.sent },
      'dead letter re-driven from the operations page',
    );
    const query = new URLSearchParams({
      redriven: id,
      sent: String(outcome.sent),
      skipped: String(outcome.skipped.length),
    });
    return c.redirect(`/dead-letters?${query}`, 303);
  });

  const server = createAdaptorServer({ fetch: app.fetch, hostname: options.host, port: options.port });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(address.address)}:${address.port}/`;
  logger.info({ url, auth: auth.mode }, 'operations page listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
