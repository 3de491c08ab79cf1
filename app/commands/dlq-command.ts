import { isUtf8 } from 'node:buffer';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { EaioError } from '../../infra/errors/index.ts';
import {
  type DeadLetterToolDeps,
  type FailedRecord,
  groupLettersByRecord,
  listDeadLetters,
  redriveDeadLetters,
  refuserOf,
  sourcePositionOf,
} from '../../processors/index.ts';
import { TOPICS, type TopicKey } from '../../schemas/index.ts';
import { type DeadLetterEntry, FILE_SOURCE_PREFIX, letterId } from '../../stream-runtime/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';

/** Catalogue key of a topic given by its short name, e.g. `sensor-readings`. */
export function topicKeyByName(name: string): TopicKey {
  const key = (Object.keys(TOPICS) as TopicKey[]).find((k) => TOPICS[k].name === name);
  if (key === undefined) {
    const known = Object.values(TOPICS)
      .map((t) => t.name)
      .join(', ');
    throw new EaioError('INVALID_ARGUMENT', 'permanent', `Unknown topic '${name}'. Topics: ${known}.`);
  }
  return key;
}

function line(entry: DeadLetterEntry): string {
  return [
    letterId(entry),
    refuserOf(entry),
    entry.errorCode,
    entry.stage,
    `${entry.sourceTopic}[${entry.sourcePartition}]@${entry.sourceOffset}`,
    `x${entry.attempts}`,
    entry.lastFailedAt,
    entry.errorMessage,
  ].join('  ');
}

/**
 * One failed source record: its source position, the consumers that refused it, why, and the
 * dead-letter offsets of their letters (what `show` and `redrive --offset` take).
 */
function recordLine(record: FailedRecord): string {
  return [
    `${record.sourceTopic}[${record.sourcePartition}]@${record.sourceOffset}`,
    `refused by ${record.consumers.join(',')}`,
    record.errorCodes.join(','),
    `x${record.attempts}`,
    record.lastFailedAt,
    `letters ${record.letters.map((l) => l.offset).join(',')}`,
    record.letters[0]?.errorMessage ?? '',
  ].join('  ');
}

/**
 * `eaio dlq list`: one line per failed source record (every consumer that refused it on that line),
 * or with `letters` one line per dead letter, of one topic or of every topic.
 */
export async function dlqList(
  deps: DeadLetterToolDeps,
  { topic, letters: perLetter = false }: { readonly topic?: string; readonly letters?: boolean },
  write: (t: string) => void,
) {
  const keys = topic === undefined ? (Object.keys(TOPICS) as TopicKey[]) : [topicKeyByName(topic)];
  let letterCount = 0;
  let recordCount = 0;
  for (const key of keys) {
    const letters = await listDeadLetters(deps, key);
    const records = groupLettersByRecord(letters);
    letterCount += letters.length;
    recordCount += records.length;
    if (perLetter) for (const entry of letters) write(`${line(entry)}\n`);
    else for (const record of records) write(`${recordLine(record)}\n`);
  }
  write(`${recordCount} failed record(s), ${letterCount} dead letter(s).\n`);
}

/** `eaio dlq show`: one letter in full, with its original bytes. */
export async function dlqShow(
  deps: DeadLetterToolDeps,
  topic: string,
  offset: string,
  write: (t: string) => void,
) {
  const key = topicKeyByName(topic);
  const entry = (await listDeadLetters(deps, key)).find((l) => l.offset === offset);
  if (entry === undefined) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `No dead letter at offset ${offset} of ${deps.names.deadLetter(key)}.`,
    );
  }
  const headers = Object.fromEntries(
    Object.entries(entry.originalHeaders).map(([k, v]) => [k, (Array.isArray(v) ? v[0] : v)?.toString()]),
  );
  write(
    `${JSON.stringify(
      {
        ...entry,
        key: entry.key?.toString('utf8') ?? null,
        value: entry.value
          ? {
              bytes: entry.value.length,
              base64: entry.value.toString('base64'),
              // A row an import refused is the file's text: shown as text so it can be read and fixed.
              ...(entry.sourceTopic.startsWith(FILE_SOURCE_PREFIX) && isUtf8(entry.value)
                ? { text: entry.value.toString('utf8') }
                : {}),
            }
          : null,
        originalHeaders: headers,
      },
      null,
      2,
    )}\n`,
  );
}

/** `eaio dlq redrive`: sends letters back to their source topic once, audited. */
export async function dlqRedrive(
  deps: DeadLetterToolDeps,
  options: { topic: string; offsets: readonly string[]; all: boolean; actor?: string },
  write: (t: string) => void,
) {
  if (!options.all && options.offsets.length === 0) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      'Say which letters: --offset N (repeatable) or --all.',
    );
  }
  const report = await redriveDeadLetters(deps, {
    key: topicKeyByName(options.topic),
    select: options.all ? 'all' : options.offsets,
    actor: options.actor ?? `user:${userInfo().username}`,
  });
  for (const send of report.sends) {
    const letters = report.redriven.filter((l) => sourcePositionOf(l) === send.position);
    const to = send.for === 'all' ? 'every consumer' : send.for.join(',');
    write(
      `re-driven  ${send.position} once, for ${to} (letters ${letters.map((l) => l.offset).join(',')})\n`,
    );
  }
  for (const entry of report.skipped) write(`skipped    ${letterId(entry)} (already re-driven)\n`);
  for (const entry of report.refused)
    write(`refused    ${letterId(entry)} (a row \`eaio import\` refused: re-import the corrected file)\n`);
  write(
    `${report.sent} record(s) re-driven (${report.redriven.length} letter(s)), ${report.skipped.length} letter(s) skipped${report.refused.length > 0 ? `, ${report.refused.length} import rows refused` : ''}.\n`,
  );
}

/** `eaio dlq list|show|redrive`: dead letters, inspected and sent back to their source topic. */
export function addDlqCommand(program: Command, context: CommandContext): void {
  const { out } = context;
  const dlq = program.command('dlq').description('Inspect and re-drive dead letters.');
  dlq
    .command('list')
    .description(
      'List failed records, one line each with the consumers that refused it: where, why, when, how often.',
    )
    .option('--topic <name>', 'one catalogue topic, e.g. sensor-readings (default: all)')
    .option('--letters', 'one line per dead letter (each consumer writes its own) instead of per record')
    .action((opts: { topic?: string; letters?: boolean }) =>
      withPlatform(context, (p) => dlqList(p, opts, out)),
    );
  dlq
    .command('show')
    .description('Show one dead letter in full, with its original bytes.')
    .requiredOption('--topic <name>', 'catalogue topic, e.g. sensor-readings')
    .requiredOption('--offset <n>', 'offset in the dead-letter topic')
    .action((opts: { topic: string; offset: string }) =>
      withPlatform(context, (p) => dlqShow(p, opts.topic, opts.offset, out)),
    );
  dlq
    .command('redrive')
    .description('Send dead letters back to their source topic, once each (audited).')
    .requiredOption('--topic <name>', 'catalogue topic, e.g. sensor-readings')
    .option(
      '--offset <n>',
      'offset in the dead-letter topic (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--all', 'every letter not re-driven yet')
    .option('--actor <id>', 'who asks, for the audit log (default: user:<login>)')
    .action((opts: { topic: string; offset: string[]; all?: boolean; actor?: string }) =>
      withPlatform(context, (p) =>
        dlqRedrive(
          p,
          {
            topic: opts.topic,
            offsets: opts.offset,
            all: opts.all ?? false,
            ...(opts.actor ? { actor: opts.actor } : {}),
          },
          out,
        ),
      ),
    );
}
