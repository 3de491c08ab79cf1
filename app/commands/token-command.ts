import { type Command, Option } from 'commander';
import type { EaioConfig } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import { ALL_TENANTS, type MintedToken, ROLES, type Role } from '../../mcp-adapter/index.ts';
import { issueLocalToken } from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
/** Longest lifetime a local token may have: local tokens are for trying things, not for services. */
const MAX_TTL_SECONDS = 30 * 86_400;

const badArgument = (message: string) => new EaioError('INVALID_ARGUMENT', 'permanent', message);

/** `90`, `90s`, `15m`, `1h`, `7d` as seconds; at most 30 days. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null) throw badArgument(`--ttl ${text}: write a duration such as 900, 15m, 1h or 7d`);
  const seconds = Number(match[1]) * UNIT_SECONDS[(match[2] || 's') as keyof typeof UNIT_SECONDS];
  if (seconds < 1 || seconds > MAX_TTL_SECONDS)
    throw badArgument(`--ttl ${text}: a local token lives between 1 s and 30 days`);
  return seconds;
}

/** What `eaio token issue` takes. */
export interface TokenIssueOptions {
  readonly role: string;
  readonly tenant?: string;
  readonly ttl: string;
  readonly subject?: string;
  readonly scope?: string;
}

/**
 * Mints a token with the local signing key, for the configured issuer and this server's resource URI.
 * Refused when the server trusts another key (`mcp.auth.jwksUrl` or `publicKey`): it would refuse
 * the token.
 */
export async function tokenIssue(
  config: EaioConfig,
  options: TokenIssueOptions,
): Promise<MintedToken & { audience: string }> {
  const { auth } = config.mcp;
  if (auth.jwksUrl !== undefined || auth.publicKey !== undefined)
    throw new EaioError(
      'CONFIG_INVALID',
      'permanent',
      `The MCP server trusts ${auth.jwksUrl ?? auth.publicKey}, not the local key, so it would refuse a local token: get tokens from ${auth.issuer}`,
    );
  if (!(ROLES as readonly string[]).includes(options.role))
    throw badArgument(`--role ${options.role}: one of ${ROLES.join(', ')}`);
  const role = options.role as Role;
  if (options.tenant === undefined && role !== 'admin')
    throw badArgument(
      `a ${role} token serves one tenant: add --tenant <id> (unassigned buildings are 'default')`,
    );
  if (options.tenant === ALL_TENANTS && role !== 'admin')
    throw badArgument(`only an admin token may name every tenant ('${ALL_TENANTS}')`);
  return issueLocalToken(config, {
    subject: options.subject ?? `local-${role}`,
    role,
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ttlSeconds: parseTtl(options.ttl),
  });
}

/** `eaio token issue`: a bearer token for the MCP HTTP server, on stdout; what it grants on stderr. */
export function addTokenCommand(program: Command, { config, say, out }: CommandContext): void {
  const token = program.command('token').description('Bearer tokens for the MCP HTTP server.');
  token
    .command('issue')
    .description('Mint a token signed by the local key (created once under mcp.auth.localKeyDir).')
    .addOption(new Option('--role <role>', 'role of the caller').choices([...ROLES]).makeOptionMandatory())
    .option(
      '--tenant <id>',
      'tenant whose buildings it sees (required unless --role admin: then every tenant)',
    )
    .option('--ttl <duration>', 'lifetime: 900, 15m, 1h, 7d (at most 30d)', '1h')
    .option('--subject <name>', 'subject (sub) the audit records; default local-<role>')
    .option('--scope <scopes>', 'space-separated scopes narrowing the role\'s, e.g. "energy:read"')
    .action(async (opts: TokenIssueOptions) => {
      const minted = await tokenIssue(config, opts);
      out(`${minted.token}\n`);
      const { subject, role, tenant } = minted.grant.claims;
      say(
        `token for ${subject}: role ${role}, tenant ${tenant === ALL_TENANTS ? 'every tenant' : tenant}, scopes ${minted.grant.scopes.join(' ') || '(none)'}; audience ${minted.audience}; valid until ${minted.expiresAt.toISOString()}`,
      );
      say('send it as the header  Authorization: Bearer <token>');
      if (config.mcp.auth.mode === 'none')
        say('note: mcp.auth.mode=none, so the server does not ask for tokens');
    });
}
