import type { Command } from 'commander';
import { stackDown, stackStatus, stackUp } from '../../infra/stack/index.ts';
import type { CommandContext } from './command-context.ts';

/** `eaio stack up|down|status`: the local Kafka, schema registry, Redis and PostgreSQL. */
export function addStackCommand(program: Command, { config, env, say, out }: CommandContext): void {
  const stack = program
    .command('stack')
    .description('Manage the local stack (Kafka, schema registry, Redis, PostgreSQL).');
  stack
    .command('up')
    .description('Start whatever is not already answering; idempotent.')
    .option(
      '--brokers <count>',
      'Kafka nodes to run: 1, or 3 (a KRaft cluster on loopback); remembered for later commands (default: the last count, else 1)',
      (value: string) => Number.parseInt(value, 10),
    )
    .action(async (options: { brokers?: number }) => {
      const endpoints = await stackUp(config, {
        log: say,
        env,
        ...(options.brokers === undefined ? {} : { brokers: options.brokers }),
      });
      out(`${JSON.stringify(endpoints, null, 2)}\n`);
    });
  stack
    .command('down')
    .description('Stop the services `stack up` started (and nothing else).')
    .action(() => stackDown(config, { log: say, env }));
  stack
    .command('status')
    .description('Show each service: running (ours), external (already there) or stopped.')
    .action(async () => {
      for (const s of await stackStatus(config)) {
        out(
          `${(s.instance ?? s.name).padEnd(10)} ${s.state.padEnd(9)} ${s.endpoint}${s.pid ? ` (pid ${s.pid})` : ''}\n`,
        );
      }
    });
}
