import type { Command } from 'commander';
import type { EaioConfig } from '../../infra/config/index.ts';
import { checkSchemasAgainstRegistry, type SubjectCheck, topicNames } from '../../schemas/index.ts';
import { type PlatformEndpoints, resolveEndpoints } from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

/** Renders the check as one line per subject, with each offending field underneath. */
export function formatSchemaChecks(checks: readonly SubjectCheck[]): string {
  const width = Math.max(...checks.map((c) => c.subject.length));
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.subject.padEnd(width)}  ${c.level.padEnd(8)}  ${c.status}`);
    for (const p of c.problems) lines.push(`    ${p.path || '(root)'}: ${p.message}`);
    if (c.registrySays && !c.registrySays.compatible) {
      lines.push(
        `    registry: incompatible${c.registrySays.messages.length ? `: ${c.registrySays.messages.join('; ')}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * `eaio schemas check`: before a deploy, tells whether the local `.avsc` files may be registered
 * over what the registry holds. Resolves to false when any subject is incompatible.
 */
export async function schemasCheckCommand(
  config: EaioConfig,
  endpoints: PlatformEndpoints,
  write: (text: string) => void,
): Promise<boolean> {
  const checks = await checkSchemasAgainstRegistry({
    registryUrl: endpoints.registryUrl,
    names: topicNames(config.kafka.topicPrefix),
  });
  write(`${formatSchemaChecks(checks)}\n`);
  const bad = checks.filter((c) => c.status === 'incompatible');
  write(
    bad.length === 0
      ? `All ${checks.length} subjects can be registered.\n`
      : `${bad.length} subject(s) incompatible with the registry; fix the schema or add defaults before deploying.\n`,
  );
  return bad.length === 0;
}

/** `eaio schemas check`: exit code 1 when a local schema may not be registered over the registry's. */
export function addSchemasCommand(program: Command, { config, out }: CommandContext): void {
  const schemas = program.command('schemas').description('The event schemas and the registry.');
  schemas
    .command('check')
    .description(
      'Tell, before a deploy, whether the local .avsc files are compatible with the registry (exit 1 if not).',
    )
    .action(async () => {
      const ok = await schemasCheckCommand(config, await resolveEndpoints(config), out);
      if (!ok) process.exitCode = 1;
    });
}
