import type { Command } from 'commander';
import { EaioError } from '../../infra/errors/index.ts';
import {
  type AuditQuery,
  type AuditRecordView,
  createQueryLayer,
  DEFAULT_AUDIT_LIMIT,
} from '../../projections/index.ts';
import { AUDIT_OUTCOMES, type AuditOutcome } from '../../schemas/index.ts';
import type { Platform } from '../platform/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * An instant given as ISO 8601 (`2026-12-01T00:00:00Z`) or as an age before `now` (`90s`, `15m`,
 * `1h`, `7d`). Throws INVALID_ARGUMENT naming both forms otherwise.
 */
export function parseInstantOrAge(text: string, now: number = Date.now()): Date {
  const age = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (age !== null) return new Date(now - Number(age[1]) * (UNIT_MS[age[2] ?? 's'] ?? 1_000));
  const at = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at)) return new Date(at);
  throw new EaioError(
    'INVALID_ARGUMENT',
    'permanent',
    `'${text}' is neither an ISO 8601 instant (2026-12-01T00:00:00Z) nor an age such as 30m, 1h or 7d.`,
  );
}

/** The options of `eaio audit list`, as commander parses them. */
export interface AuditListOptions {
  readonly principal?: string;
  readonly tool?: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

/** The query of `eaio audit list`'s options; each bad value is an INVALID_ARGUMENT naming it. */
export function auditQueryOf(options: AuditListOptions, now: number = Date.now()): AuditQuery {
  const { outcome, limit } = options;
  if (outcome !== undefined && !(AUDIT_OUTCOMES as readonly string[]).includes(outcome)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `--outcome must be one of ${AUDIT_OUTCOMES.join(', ')}, not '${outcome}'.`,
    );
  }
  const n = limit === undefined ? DEFAULT_AUDIT_LIMIT : Number(limit);
  return {
    limit: n,
    ...(options.principal === undefined ? {} : { actor: options.principal }),
    ...(options.tool === undefined ? {} : { target: options.tool }),
    ...(options.action === undefined ? {} : { action: options.action }),
    ...(outcome === undefined ? {} : { outcome: outcome as AuditOutcome }),
    ...(options.since === undefined ? {} : { since: parseInstantOrAge(options.since, now) }),
    ...(options.until === undefined ? {} : { until: parseInstantOrAge(options.until, now) }),
  };
}

const COLUMNS = ['TIME', 'PRINCIPAL', 'TENANT', 'TOOL', 'OUTCOME', 'MS', 'ERROR', 'ARGUMENTS'] as const;

function cells(r: AuditRecordView): string[] {
  return [
    r.occurredAt.toISOString(),
    r.actor,
    r.tenant ?? '-',
    r.action === 'mcp.tool.call' ? r.target : `${r.action} ${r.target}`,
    r.outcome,
    r.details.durationMs ?? '-',
    r.details.errorCode ?? '-',
    r.details.arguments ?? '-',
  ];
}

/** Records as an aligned text table, one line each, under a header; the arguments column last, uncut. */
export function auditTable(records: readonly AuditRecordView[]): string {
  const rows = [[...COLUMNS], ...records.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `eaio audit list`: the audit records matching the options, from the audit-log read model. */
export async function auditList(
  platform: Platform,
  options: AuditListOptions,
  out: (text: string) => void,
): Promise<void> {
  const answer = await createQueryLayer(platform).auditRecords(auditQueryOf(options));
  if (options.json) {
    out(`${JSON.stringify({ records: answer.data, provenance: answer.provenance }, null, 2)}\n`);
    return;
  }
  const [source] = answer.provenance;
  out(`${auditTable(answer.data)}\n`);
  out(
    `${answer.data.length} record(s); read from ${source?.projection ?? 'audit-log'} generation ${source?.generation ?? 'none'}, applied ${source?.lastAppliedAt?.toISOString() ?? 'never'}.\n`,
  );
}

/** `eaio audit list`: who called which MCP tool (and re-drove what), when, with what outcome. */
export function addAuditCommand(program: Command, context: CommandContext): void {
  const audit = program.command('audit').description('Read the audit log: every MCP tool call and re-drive.');
  audit
    .command('list')
    .description('List audit records, newest first.')
    .option('--principal <sub>', "only this caller (the token's subject)")
    .option('--tool <name>', 'only calls of this tool (or records about this target)')
    .option('--action <action>', 'only this action, e.g. mcp.tool.call or dlq.redrive')
    .option('--outcome <outcome>', `only this outcome: ${AUDIT_OUTCOMES.join(', ')}`)
    .option('--since <iso|age>', 'only records at or after this instant, or this long ago (30m, 1h, 7d)')
    .option('--until <iso|age>', 'only records before this instant, or this long ago')
    .option('--limit <n>', `at most this many (default ${DEFAULT_AUDIT_LIMIT})`)
    .option('--json', 'print JSON instead of a table')
    .action((opts: AuditListOptions) => withPlatform(context, (p) => auditList(p, opts, context.out)));
}
