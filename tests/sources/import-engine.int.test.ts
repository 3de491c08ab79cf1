import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlqList } from '../../app/commands/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { redriveDeadLetters } from '../../processors/index.ts';
import {
  IMPORT_DEAD_LETTER_HEADERS,
  type ImportDeps,
  ImportHeaderError,
  type ImportSummary,
  runImport,
} from '../../sources/index.ts';
import { DEAD_LETTER_HEADERS, headerText } from '../../stream-runtime/index.ts';
import { testImportFormat } from '../support/test-import-format.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const T0 = 1_700_000_000_000;
const rows = (from: number, to: number, meters = 3, meter = 'm'): string =>
  Array.from(
    { length: to - from },
    (_, i) => `${T0 + (from + i) * 3_600_000},${meter}${(from + i) % meters},${from + i}.5\n`,
  ).join('');

describe('import engine on the broker', () => {
  let platform: TestPlatform;
  let deps: ImportDeps;
  let dir: string;

  beforeAll(async () => {
    platform = await createTestPlatform('import_engine');
    deps = { kafka: platform.kafka, codec: platform.codec, names: platform.names, logger: platform.logger };
    dir = await mkdtemp(join(tmpdir(), 'eaio-import-'));
  });
  afterAll(async () => {
    await platform?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const count = async (topic: string): Promise<number> =>
    (await readTopicToEnd(platform.kafka, topic)).length;
  const importFile = (
    path: string,
    extra: { holdBack?: number; batchUnits?: number; beforeCommit?: (n: number) => void } = {},
  ): Promise<ImportSummary> =>
    runImport(deps, {
      path,
      factory: testImportFormat(extra.holdBack ?? 0),
      options: {
        fileName: path.split('/').pop() ?? path,
        timezoneOf: () => undefined,
        timezoneOfStation: () => undefined,
        registeredAt: new Date(T0),
      },
      ...(extra.batchUnits === undefined ? {} : { batchUnits: extra.batchUnits }),
      ...(extra.beforeCommit === undefined ? {} : { beforeCommit: extra.beforeCommit }),
    });
  const identity = (s: ImportSummary): void =>
    expect(s.read).toBe(s.produced + s.cleaned + s.deadLettered + s.duplicates);

  it('accounts for every row, then a second import produces nothing and counts every row a duplicate; an appended file brings only its new rows', async () => {
    const path = join(dir, 'grow.csv');
    // 50 good rows, one empty value (cleaned), one non-number (dead-lettered).
    await writeFile(path, `timestamp,meter,value\n${rows(0, 50)}${T0},m9,\n${T0},m8,abc\n`);
    const readings = platform.names.topic('sensorReadings');
    const letters = platform.names.deadLetter('sensorReadings');

    const first = await importFile(path, { batchUnits: 7 });
    identity(first);
    expect(first).toMatchObject({
      read: 52,
      produced: 50,
      cleaned: 1,
      deadLettered: 1,
      duplicates: 0,
      events: 50,
    });
    expect(first.cleanedByRule).toEqual({ 'empty value': 1 });
    expect(first.deadLetteredByReason).toEqual({ 'not a number': 1 });
    expect(first.registrations).toBe(5);
    expect(await count(readings)).toBe(50);
    expect(await count(platform.names.topic('meters'))).toBe(5);
    const [letter] = await readTopicToEnd(platform.kafka, letters);
    expect(letter?.message.value?.toString()).toBe(`${T0},m8,abc`);
    expect(headerText(letter?.message.headers, IMPORT_DEAD_LETTER_HEADERS.line)).toBe('53');
    expect(headerText(letter?.message.headers, DEAD_LETTER_HEADERS.sourceTopic)).toBe('file:grow.csv');
    expect(headerText(letter?.message.headers, DEAD_LETTER_HEADERS.errorMessage)).toBe(
      "not a number: value 'abc'",
    );

    // Tooling shows the row; re-drive refuses it (it is CSV text, not an event) and says what to do.
    const listed: string[] = [];
    await dlqList(platform, { topic: 'sensor-readings' }, (t) => listed.push(t));
    expect(listed[0]).toContain('file:grow.csv[-1]@53  refused by import  IMPORT_ROW');
    await expect(
      redriveDeadLetters(platform, {
        key: 'sensorReadings',
        select: [letter?.message.offset ?? ''],
        actor: 'test',
      }),
    ).rejects.toThrow(/re-import the corrected file/);
    const redriveAll = await redriveDeadLetters(platform, {
      key: 'sensorReadings',
      select: 'all',
      actor: 'test',
    });
    expect(redriveAll).toMatchObject({ sent: 0, refused: [{ sourceOffset: '53' }] });

    const second = await importFile(path);
    identity(second);
    expect(second).toMatchObject({
      read: 52,
      produced: 0,
      cleaned: 0,
      deadLettered: 0,
      duplicates: 52,
      events: 0,
    });
    expect(await count(readings)).toBe(50);
    expect(await count(letters)).toBe(1);

    await appendFile(path, `${rows(50, 60)}${T0},m7,x\n`);
    const third = await importFile(path);
    identity(third);
    expect(third).toMatchObject({ read: 63, produced: 10, deadLettered: 1, duplicates: 52 });
    expect(await count(readings)).toBe(60);
    const appendedLetter = (await readTopicToEnd(platform.kafka, letters))[1];
    // Line numbers continue across imports: header + 52 + 10 rows before it.
    expect(headerText(appendedLetter?.message.headers, IMPORT_DEAD_LETTER_HEADERS.line)).toBe('64');
  });

  it('imports a rewritten file whole and says so', async () => {
    const path = join(dir, 'rewritten.csv');
    await writeFile(path, `timestamp,meter,value\n${rows(0, 5)}`);
    await importFile(path);
    // Same header and first line (same identity), a changed row after them.
    await writeFile(path, `timestamp,meter,value\n${rows(0, 2)}${T0},m1,42\n${rows(3, 5)}`);
    const again = await importFile(path);
    identity(again);
    expect(again).toMatchObject({
      read: 5,
      produced: 5,
      duplicates: 0,
      restarted: 'file changed since the last import',
    });
  });

  it('after a crash mid-import, a re-run produces every event exactly once', async () => {
    const path = join(dir, 'crash.csv');
    await writeFile(path, `timestamp,meter,value\n${rows(0, 200, 4, 'crash')}`);
    const before = await count(platform.names.topic('sensorReadings'));
    await expect(
      importFile(path, {
        batchUnits: 30,
        holdBack: 5,
        beforeCommit: (n) => {
          if (n === 4) throw new Error('simulated crash before commit');
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    const partial = (await count(platform.names.topic('sensorReadings'))) - before;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(200);
    const rerun = await importFile(path, { batchUnits: 30, holdBack: 5 });
    identity(rerun);
    expect(rerun.duplicates).toBe(partial);
    expect(rerun.produced).toBe(200 - partial);
    const ids: string[] = [];
    for (const { message } of await readTopicToEnd(platform.kafka, platform.names.topic('sensorReadings'))) {
      const { value } = await platform.codec.decode('sensorReadings', message.value);
      if (value.meterId.startsWith('crash')) ids.push(value.eventId);
    }
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  });

  it('fences an import of the same file that is still running: the later one continues from the last commit of the earlier one', async () => {
    const path = join(dir, 'fence.csv');
    await writeFile(path, `timestamp,meter,value\n${rows(0, 300, 3, 'fence')}`);
    let later: Promise<ImportSummary> | undefined;
    const earlier = importFile(path, {
      batchUnits: 50,
      beforeCommit: async (n) => {
        // While the earlier import holds its second transaction open, the same file is imported again.
        if (n === 5) {
          later = importFile(path, { batchUnits: 50 });
          await later;
        }
      },
    });
    await expect(earlier).rejects.toThrow();
    const summary = await (later as Promise<ImportSummary>);
    identity(summary);
    expect(summary.read).toBe(300);
    expect(summary.duplicates).toBeGreaterThan(0);
    expect(summary.produced + summary.duplicates).toBe(300);
    const ids: string[] = [];
    for (const { message } of await readTopicToEnd(platform.kafka, platform.names.topic('sensorReadings'))) {
      const { value } = await platform.codec.decode('sensorReadings', message.value);
      if (value.meterId.startsWith('fence')) ids.push(value.eventId);
    }
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
  });

  it('fails at once on a header it cannot read, naming the column, and produces nothing', async () => {
    const path = join(dir, 'bad-header.csv');
    await writeFile(path, `timestamp,meter,reading\n${rows(0, 3)}`);
    const before = await count(platform.names.topic('sensorReadings'));
    const error = await importFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportHeaderError);
    expect((error as ImportHeaderError).message).toMatch(/bad-header\.csv.*expected value/);
    expect(await count(platform.names.topic('sensorReadings'))).toBe(before);
    await writeFile(join(dir, 'empty.csv'), '');
    await expect(importFile(join(dir, 'empty.csv'))).rejects.toThrow(/empty\.csv is empty/);
  });

  it('dead-letters invalid UTF-8, a 1 MB field and an unfinished last line with their line, text and reason', async () => {
    const path = join(dir, 'broken.csv');
    await writeFile(
      path,
      Buffer.concat([
        Buffer.from(`\uFEFFtimestamp,meter,value\n${rows(0, 2)}`),
        Buffer.from([0x31, 0x2c, 0x6d, 0x31, 0x2c, 0xff, 0x0a]), // line 4: `1,m1,\xff`
        Buffer.from(`${T0},m1,"${'9'.repeat(1_000_000)}"\n`), // line 5
        Buffer.from(`${T0},"m\nq",1\n`), // lines 6-7: a quoted line end
        Buffer.from(`${T0},m1,12`), // line 8, no line end: produced
      ]),
    );
    const letters = platform.names.deadLetter('sensorReadings');
    const before = await count(letters);
    const summary = await importFile(path, { holdBack: 2 });
    identity(summary);
    expect(summary).toMatchObject({ read: 6, produced: 4, deadLettered: 2 });
    expect(summary.deadLetteredByReason).toEqual({ 'invalid UTF-8': 1, 'record too large': 1 });
    const mine = (await readTopicToEnd(platform.kafka, letters)).slice(before);
    const line = (i: number) => headerText(mine[i]?.message.headers, IMPORT_DEAD_LETTER_HEADERS.line);
    expect([line(0), line(1)]).toEqual(['4', '5']);
    expect(mine[0]?.message.value).toEqual(Buffer.from([0x31, 0x2c, 0x6d, 0x31, 0x2c, 0xff]));
    expect(headerText(mine[1]?.message.headers, IMPORT_DEAD_LETTER_HEADERS.reason)).toBe('record too large');

    // Unchanged, the unfinished line is recorded beside the checkpoint: every unit a duplicate.
    const unchanged = await importFile(path, { holdBack: 2 });
    identity(unchanged);
    expect(unchanged).toMatchObject({ read: 6, produced: 0, deadLettered: 0, duplicates: 6, events: 0 });

    // The unfinished line is not in the prefix: finished and grown, only it and the new row come in.
    await appendFile(path, `x\n${T0 + 1},m1,5\n`);
    const again = await importFile(path, { holdBack: 2 });
    identity(again);
    expect(again).toMatchObject({ read: 7, produced: 1, deadLettered: 1, duplicates: 5 });
    expect(again.deadLetteredByReason).toEqual({ 'not a number': 1 });
  });

  it('reads files whose lines end in a lone CR (as BDG1 meta_open.csv) or CRLF', async () => {
    for (const [name, end] of [
      ['cr.csv', '\r'],
      ['crlf.csv', '\r\n'],
    ] as const) {
      const path = join(dir, name);
      await writeFile(
        path,
        `timestamp,meter,value\n${rows(0, 4, 2, name)}${T0},x,bad\n`.replaceAll('\n', end),
      );
      const summary = await importFile(path);
      expect(summary).toMatchObject({ read: 5, produced: 4, deadLettered: 1 });
    }
  });

  it('reports an unfinished last line the format refuses as truncated', async () => {
    const path = join(dir, 'truncated.csv');
    await writeFile(path, `timestamp,meter,value\n${rows(0, 3)}${T0},m1,1.`);
    await writeFile(path, `timestamp,meter,value\n${rows(0, 3)}${T0},m1,1e`);
    const summary = await importFile(path);
    identity(summary);
    expect(summary.deadLetteredByReason).toEqual({ 'truncated last line': 1 });
  });
});
