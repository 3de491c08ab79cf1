import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addImportCommand, type CommandContext } from '../../app/commands/index.ts';
import { resolveConfig } from '../../infra/config/index.ts';
import { createLoggerRegistry } from '../../infra/logging/index.ts';
import { IMPORT_FORMATS, type ImportFormatFactory } from '../../sources/index.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { testImportFormat } from '../support/test-import-format.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

interface Counts {
  read: number;
  produced: number;
  cleaned: number;
  deadLettered: number;
  duplicates: number;
}

describe('eaio import', () => {
  let platform: TestPlatform;
  let dir: string;

  beforeAll(async () => {
    platform = await createTestPlatform('import_cli');
    dir = await mkdtemp(join(tmpdir(), 'eaio-import-cli-'));
  });
  afterAll(async () => {
    await platform?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (args: readonly string[]) => {
    const child = spawnEaio(['import', ...args], platform.childEnv);
    const code = await child.exited();
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  };

  it('fails with the reason and a non-zero exit when no format recognises the header, or --format names none', async () => {
    const path = join(dir, 'unknown.csv');
    await writeFile(path, 'when,what\n1,2\n');
    const unknown = await run(['readings', path, '--json']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown.csv: no readings format recognises the header 'when,what'");
    expect(unknown.stdout).toBe('');
    const forced = await run(['readings', path, '--format', 'nope']);
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toContain("No readings format named 'nope'");
  });

  const runInProcess = async (
    args: readonly string[],
    formats: readonly ImportFormatFactory[] = [testImportFormat()],
  ): Promise<string> => {
    const resolved = resolveConfig({ env: platform.childEnv, cwd: dir });
    const loggers = createLoggerRegistry({ level: 'warn' });
    let out = '';
    const context: CommandContext = {
      config: resolved.config,
      resolved,
      env: platform.childEnv,
      loggers,
      logger: loggers.logger('cli'),
      say: () => undefined,
      out: (text) => {
        out += text;
      },
    };
    const program = new Command('eaio').exitOverride();
    addImportCommand(program, context, formats);
    await program.parseAsync(['node', 'eaio', 'import', ...args]);
    return out;
  };

  it('in process, with a test format: --json prints one JSON line of the summary, the table names every count', async () => {
    const path = join(dir, 'long.csv');
    await writeFile(
      path,
      'timestamp,meter,value\n1700000000000,cli1,1\n1700003600000,cli1,\n1700007200000,cli1,x\n',
    );
    const json = await runInProcess(['readings', path, '--json']);
    expect(json.endsWith('\n')).toBe(true);
    expect(json.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(json)).toMatchObject({
      file: 'long.csv',
      importer: 'test-long',
      read: 3,
      produced: 1,
      cleaned: 1,
      deadLettered: 1,
      duplicates: 0,
      cleanedByRule: { 'empty value': 1 },
      deadLetteredByReason: { 'not a number': 1 },
    });
    const table = await runInProcess(['readings', path]);
    expect(table).toMatch(/^read\s+3$/m);
    expect(table).toMatch(/^duplicates\s+3$/m);
    expect(table).toMatch(/^produced\s+0$/m);
  });

  it('--metadata: local timestamps are read in the zones the metadata file gives its buildings', async () => {
    const meta = join(dir, 'meta.csv');
    await writeFile(meta, 'building,timezone\nb1,Europe/London\nb2,Asia/Singapore\n');
    const metaFormat: ImportFormatFactory = {
      name: 'test-meta',
      kind: 'buildings',
      deadLetterTopic: 'buildings',
      quoting: false,
      example: 'building,timezone\nb1,Europe/London\nb2,UTC',
      matches: (header) => header.join(',') === 'building,timezone',
      create: (options) => ({
        importer: 'test-meta',
        unit: 'row',
        start: () => [],
        record: (record) => [
          {
            record,
            registrations: [],
            units: [
              {
                kind: 'produced',
                event: {
                  topic: 'buildings',
                  key: record.fields[0] ?? '',
                  event: {
                    eventId: `00000000-0000-4000-8000-00000000000${record.line}`,
                    occurredAt: options.registeredAt,
                    source: 'test',
                    buildingId: record.fields[0] ?? '',
                    primaryUse: 'office',
                    timezone: record.fields[1] ?? '',
                  },
                },
              },
            ],
          },
        ],
        end: () => [],
      }),
    };
    const seen: (string | undefined)[] = [];
    const readings = testImportFormat();
    const spy: ImportFormatFactory = {
      ...readings,
      create: (options) => {
        seen.push(options.timezoneOf('b1'), options.timezoneOf('b2'), options.timezoneOf('nope'));
        return readings.create(options);
      },
    };
    const path = join(dir, 'zoned.csv');
    await writeFile(path, 'timestamp,meter,value\n1700000000000,zoned1,1\n');
    const out = await runInProcess(['readings', path, '--metadata', meta, '--json'], [metaFormat, spy]);
    expect(JSON.parse(out)).toMatchObject({ read: 1, produced: 1 });
    expect(seen).toEqual(['Europe/London', 'Asia/Singapore', undefined]);
  });

  it('prints the summary of a wide readings file as one JSON line; a second import finds every value a duplicate', async () => {
    // The real wide format (merged from its own branch): its README example, imported through the CLI.
    const wide = IMPORT_FORMATS.find((f) => f.name === 'readings-wide');
    expect(wide, 'the readings-wide format is registered in IMPORT_FORMATS').toBeDefined();
    const path = join(dir, 'electricity.csv');
    await writeFile(path, `${wide?.example ?? ''}\n`);
    const args = ['readings', path, '--timestamps', 'utc', '--meter-kind', 'electricity', '--json'];
    const first = await run(args);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0] ?? '{}') as Counts;
    expect(summary.read).toBeGreaterThan(0);
    expect(summary.read).toBe(summary.produced + summary.cleaned + summary.deadLettered + summary.duplicates);
    const again = JSON.parse((await run(args)).stdout) as Counts;
    expect(again).toMatchObject({ read: summary.read, produced: 0, duplicates: summary.read });
  });
});
