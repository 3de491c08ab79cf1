import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type AvroJson,
  describeDrift,
  GENERATED_FILE,
  GENERATED_PATH,
  readAvscFiles,
  renderEventTypes,
} from '../../schemas/codegen/generate-event-types.ts';
import { enumConstName } from '../../schemas/codegen/render-event-types.ts';

const committedPath = fileURLToPath(GENERATED_FILE);

function record(name: string, fields: readonly AvroJson[]): AvroJson {
  return { type: 'record', name, namespace: 'eaio.events.v1', doc: `${name} doc.`, fields };
}

const kind = (symbols: readonly string[]): AvroJson => ({
  name: 'kind',
  doc: 'Kind.',
  type: { type: 'enum', name: 'Kind', doc: 'A kind.', symbols },
});

describe('generated event types', () => {
  it(`${GENERATED_PATH} matches what schemas/avro generates`, () => {
    const committed = existsSync(committedPath) ? readFileSync(committedPath, 'utf8') : undefined;
    const drift = describeDrift(committed, renderEventTypes(readAvscFiles()));
    // The message names the file and the first differing lines.
    expect(drift, drift).toBeUndefined();
  });

  it('reports drift naming the file and the first differing line', () => {
    const message = describeDrift('a\nb\nc\n', 'a\nB\nc\n');
    expect(message).toContain(GENERATED_PATH);
    expect(message).toContain('line 2');
    expect(message).toContain('- b');
    expect(message).toContain('+ B');
    expect(describeDrift(undefined, 'a\n')).toContain(`${GENERATED_PATH} is missing`);
  });

  it('maps Avro types to TypeScript', () => {
    const out = renderEventTypes([
      record('Sample', [
        { name: 'at', doc: 'At.', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'id', doc: 'Id.', type: { type: 'string', logicalType: 'uuid' } },
        { name: 'offset', doc: 'Offset.', type: 'long' },
        { name: 'raw', doc: 'Raw.', type: ['null', 'bytes'], default: null },
        { name: 'tags', doc: 'Tags.', type: { type: 'map', values: 'string' } },
        { name: 'kinds', doc: 'Kinds.', type: { type: 'array', items: 'string' }, default: [] },
      ]),
    ]);
    expect(out).toContain('readonly at: Date;');
    expect(out).toContain('readonly id: string;');
    expect(out).toContain('readonly offset: number;');
    expect(out).toContain('readonly raw?: Buffer | null;');
    expect(out).toContain('readonly tags: Readonly<Record<string, string>>;');
    expect(out).toContain('readonly kinds?: readonly string[];');
    expect(out).toContain("export const EVENT_TYPE_NAMES = ['Sample'] as const;");
  });

  it('rejects a shared named type defined differently in two files, and a missing doc', () => {
    expect(() => renderEventTypes([record('A', [kind(['x', 'y'])]), record('B', [kind(['x'])])])).toThrow(
      /Kind differs/,
    );
    expect(() => renderEventTypes([record('A', [{ name: 'x', type: 'string' }])])).toThrow(/"doc"/);
  });

  it('names enum symbol arrays after the plural', () => {
    expect(enumConstName('MeterKind')).toBe('METER_KINDS');
    expect(enumConstName('ReadingUnit')).toBe('READING_UNITS');
    expect(enumConstName('Severity')).toBe('SEVERITIES');
    expect(enumConstName('DataQualityIssueKind')).toBe('DATA_QUALITY_ISSUE_KINDS');
  });
});
