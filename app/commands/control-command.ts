import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { EaioError } from '../../infra/errors/index.ts';
import {
  authoriseControlAction,
  buildControlCommandAction,
  buildControlCommandRequested,
  type ControlEventSink,
  createControlEventSink,
  parseArguments,
  proposeControlCommandArguments,
} from '../../processors/index.ts';
import { type CommandStatusView, createQueryLayer } from '../../projections/index.ts';
import type { CommandAction } from '../../schemas/index.ts';
import type { Platform } from '../platform/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';

/** `source` of the control events the CLI writes. */
export const CLI_CONTROL_SOURCE = 'eaio-cli';

/** Who acts: `--as`, else the host's login as `user:<login>` (as `eaio dlq redrive --actor` does). */
export const actorOf = (as: string | undefined): string => as ?? `user:${userInfo().username}`;

/** What `eaio command` needs of a platform: the read model and a way onto Kafka. */
export interface ControlCommandDeps {
  readonly commandStatus: (commandId: string) => Promise<CommandStatusView | undefined>;
  readonly buildingTimeZone: (buildingId: string) => Promise<string | undefined>;
  readonly sink: ControlEventSink;
  readonly now: () => Date;
}

export function controlCommandDepsOf(platform: Platform): ControlCommandDeps {
  const queries = createQueryLayer(platform);
  return {
    commandStatus: async (id) => (await queries.commandStatus(id)).data,
    buildingTimeZone: async (id) => (await queries.building(id))?.timezone,
    sink: createControlEventSink({
      producer: () => platform.producer(),
      codec: platform.codec,
      names: platform.names,
    }),
    now: () => new Date(),
  };
}

/** The flags of `eaio command propose`, as commander hands them over (all text). */
export interface ProposeFlags {
  readonly building: string;
  readonly point: string;
  readonly value: string;
  readonly unit: string;
  readonly priority?: string;
  readonly duration?: string;
  readonly expiresAt?: string;
  readonly days?: string;
  readonly start?: string;
  readonly end?: string;
  readonly timeZone?: string;
  readonly heartbeat?: string;
  readonly reason?: string;
  readonly as?: string;
}

const num = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));

/** The proposal's arguments from the flags, validated by the same schema as the MCP tool's. */
export function proposalOf(flags: ProposeFlags) {
  const window = flags.days ?? flags.start ?? flags.end ?? flags.timeZone;
  return parseArguments(
    proposeControlCommandArguments,
    {
      buildingId: flags.building,
      pointId: flags.point,
      value: num(flags.value),
      unit: flags.unit,
      ...(flags.priority === undefined ? {} : { priority: num(flags.priority) }),
      ...(flags.duration === undefined ? {} : { durationMinutes: num(flags.duration) }),
      ...(flags.expiresAt === undefined ? {} : { expiresAt: flags.expiresAt }),
      ...(window === undefined
        ? {}
        : {
            schedule: {
              daysOfWeek: (flags.days ?? '')
                .split(',')
                .filter((d) => d !== '')
                .map(Number),
              start: flags.start,
              end: flags.end,
              ...(flags.timeZone === undefined ? {} : { timeZone: flags.timeZone }),
            },
          }),
      ...(flags.heartbeat === undefined ? {} : { heartbeatSeconds: num(flags.heartbeat) }),
      ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    },
    'eaio command propose',
  );
}

/** `eaio command propose`: sends a ControlCommandRequested; prints its commandId on stdout. */
export async function commandPropose(
  deps: ControlCommandDeps,
  flags: ProposeFlags,
  out: (text: string) => void,
  say: (line: string) => void,
): Promise<string> {
  const args = proposalOf(flags);
  const timeZone =
    args.schedule !== undefined && args.schedule.timeZone === undefined
      ? await deps.buildingTimeZone(args.buildingId)
      : undefined;
  const event = buildControlCommandRequested(
    args,
    { principal: actorOf(flags.as), source: CLI_CONTROL_SOURCE, at: deps.now() },
    timeZone === undefined ? {} : { buildingTimeZone: timeZone },
  );
  await deps.sink.send(event);
  say(
    `Proposed ${event.buildingId}/${event.pointId} = ${event.value} ${event.unit} at priority ${event.priority} until ${event.expiresAt.toISOString()} as ${event.requestedBy}; follow it with \`eaio command status ${event.commandId}\`.`,
  );
  out(`${event.commandId}\n`);
  return event.commandId;
}

/**
 * `eaio command approve|refuse|cancel|heartbeat`: reads the command from the read model, checks the
 * same rules as the MCP tools (the CLI's user holds the approver's right, being on the host, but never
 * approves its own command), then sends the ControlCommandAction.
 */
export async function commandAct(
  deps: ControlCommandDeps,
  action: CommandAction,
  commandId: string,
  options: { readonly as?: string; readonly reason?: string },
  say: (line: string) => void,
): Promise<void> {
  const command = await deps.commandStatus(commandId);
  if (command === undefined) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `No command '${commandId}' is known to the read model; check the id, or retry in a few seconds if it was proposed just now. Nothing was sent.`,
    );
  }
  if (action === 'refuse' && options.reason === undefined) {
    throw new EaioError('INVALID_ARGUMENT', 'permanent', 'A refusal needs --reason. Nothing was sent.');
  }
  const actor = actorOf(options.as);
  authoriseControlAction(
    action,
    { principal: actor, mayApprove: true },
    {
      commandId,
      requestedBy: command.requestedBy,
      status: command.status,
      ended: command.ended,
      requiresApproval: command.requiresApproval,
      approvalDecided: command.approval !== null,
      heartbeatSeconds: command.heartbeatSeconds,
    },
  );
  const event = buildControlCommandAction(
    command,
    action,
    { principal: actor, source: CLI_CONTROL_SOURCE, at: deps.now() },
    options.reason,
  );
  await deps.sink.send(event);
  say(`${action} of command ${commandId} (${command.status}) sent as ${actor}.`);
}

/** One line per timeline entry of a command. */
export function statusLines(c: CommandStatusView): string[] {
  const head = `${c.commandId}  ${c.buildingId}/${c.pointId}  ${c.status}${c.ended ? ' (ended)' : ''}  at ${c.statusAt.toISOString()}`;
  const asked = `requested by ${c.requestedBy ?? '?'}: ${c.value ?? '?'} ${c.unit ?? ''} at priority ${c.priority ?? '?'} until ${c.expiresAt?.toISOString() ?? '?'}${c.schedule === null ? '' : ` within ${c.schedule.start}-${c.schedule.end} ${c.schedule.timeZone} days ${c.schedule.daysOfWeek.join(',')}`}${c.heartbeatSeconds === null ? '' : `, heartbeat every ${c.heartbeatSeconds} s`}`;
  const entries = c.history.map((h) => {
    const parts = [
      h.occurredAt.toISOString(),
      h.status.padEnd(17),
      h.actor === null ? '' : `by ${h.actor}`,
      h.sourceTopic === 'controlOutcomes' && h.value !== null ? `value ${h.value}` : '',
      h.sourceTopic === 'controlOutcomes' && h.priority !== null ? `@${h.priority}` : '',
      h.readBack === null ? '' : `read back ${h.readBack}`,
      h.cause === null ? '' : `cause ${h.cause}`,
      h.reasons === null || h.reasons.length === 0 ? '' : h.reasons.map((r) => r.message).join('; '),
      h.note === null ? '' : `"${h.note}"`,
      h.deviceMessage === null ? '' : `device: ${h.deviceMessage}`,
      h.ignored === null ? '' : `(ignored: ${h.ignored})`,
      `[${h.source} ${h.sourceTopic}/${h.sourcePartition}@${h.sourceOffset}]`,
    ];
    return `  ${parts.filter((p) => p !== '').join('  ')}`;
  });
  return [head, `  ${asked}`, ...entries];
}

/** `eaio command status`: the command's timeline, or its view as JSON. */
export async function commandStatus(
  deps: ControlCommandDeps,
  commandId: string,
  json: boolean,
  out: (text: string) => void,
): Promise<void> {
  const command = await deps.commandStatus(commandId);
  if (command === undefined) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `No command '${commandId}' is known to the read model.`,
    );
  }
  out(json ? `${JSON.stringify(command, null, 2)}\n` : `${statusLines(command).join('\n')}\n`);
}

const AS_HELP = 'principal who acts, e.g. user:alice (default: user:<login>)';

/** `eaio command propose|approve|refuse|cancel|heartbeat|status`: the control loop from the shell. */
export function addControlCommand(program: Command, context: CommandContext): void {
  const { out, say } = context;
  const command = program
    .command('command')
    .description(
      'Propose, approve, refuse, cancel, heartbeat and follow control commands (audited on the log).',
    );
  command
    .command('propose')
    .description('Propose writing a value to a control point; prints the commandId.')
    .requiredOption('--building <id>', 'building id')
    .requiredOption('--point <id>', 'control point id')
    .requiredOption('--value <n>', 'value to write, in --unit')
    .requiredOption('--unit <unit>', 'degC, percent, rpm, boolean or minutes')
    .option('--priority <n>', 'BACnet priority 1-16 (default 8)')
    .option('--duration <minutes>', 'how long it holds (or --expires-at)')
    .option('--expires-at <iso>', 'when it lapses, ISO 8601 with a zone (or --duration)')
    .option('--days <list>', 'schedule: ISO days 1-7, e.g. 1,2,3,4,5')
    .option('--start <HH:MM>', 'schedule: window start, local time')
    .option('--end <HH:MM>', 'schedule: window end, local time')
    .option('--time-zone <zone>', "schedule: IANA zone (default: the building's)")
    .option(
      '--heartbeat <seconds>',
      'promise a heartbeat this often; relinquished after twice that without one',
    )
    .option('--reason <text>', 'why, for the audit trail')
    .option('--as <principal>', AS_HELP)
    .action(async (flags: ProposeFlags) => {
      // Bad flags are refused before anything connects.
      proposalOf(flags);
      await withPlatform(context, async (p) => {
        await commandPropose(controlCommandDepsOf(p), flags, out, say);
      });
    });
  const act = (action: CommandAction, description: string) =>
    command
      .command(`${action} <commandId>`)
      .description(description)
      .option('--reason <text>', action === 'refuse' ? 'why (required)' : 'why, for the audit trail')
      .option('--as <principal>', AS_HELP)
      .action((commandId: string, opts: { reason?: string; as?: string }) =>
        withPlatform(context, (p) => commandAct(controlCommandDepsOf(p), action, commandId, opts, say)),
      );
  act('approve', "Approve another principal's command on a point that requires approval.");
  act('refuse', "Refuse another principal's command on a point that requires approval (needs --reason).");
  act('cancel', 'Cancel a command (its proposer or an approver): relinquished, or expired unwritten.');
  act('heartbeat', 'Send the heartbeat a command promised (its proposer).');
  command
    .command('status <commandId>')
    .description('Show a command: request, decision, approvals, cancels, heartbeats and outcomes.')
    .option('--json', 'the whole view as JSON')
    .action((commandId: string, opts: { json?: boolean }) =>
      withPlatform(context, (p) =>
        commandStatus(controlCommandDepsOf(p), commandId, opts.json === true, out),
      ),
    );
}
