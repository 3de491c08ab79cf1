import { isUtf8 } from 'node:buffer';
import type { ImportEvent, ImportFormatFactory, ImportOptions, RecordResult } from '../import-format.ts';
import { frameRecords } from './record-framer.ts';
import { splitFields } from './split-fields.ts';

/**
 * The events a format makes of a file, without Kafka, one record at a time: what `eaio import
 * --metadata <file>` reads building time zones from. Records the engine would refuse are passed over
 * (they are the metadata import's business, not this lookup's).
 */
export async function* readImportEvents(
  path: string,
  factory: ImportFormatFactory,
  options: ImportOptions,
): AsyncGenerator<ImportEvent> {
  const format = factory.create(options);
  const eventsOf = function* (results: readonly RecordResult[]): Generator<ImportEvent> {
    for (const result of results) {
      yield* result.registrations;
      for (const unit of result.units) if (unit.kind !== 'deadLettered' && unit.event) yield unit.event;
    }
  };
  for await (const framed of frameRecords(path, { quoting: factory.quoting })) {
    if (framed.oversize !== undefined || !isUtf8(framed.bytes)) continue;
    const text = framed.bytes.toString('utf8');
    const fields = splitFields(text, factory.quoting);
    if (!Array.isArray(fields)) continue;
    const record = { line: framed.line, fields: fields as readonly string[], text };
    if (framed.line === 1) yield* format.start(record);
    else yield* eventsOf(format.record(record));
  }
  yield* eventsOf(format.end());
}

/** The header fields of a file (its first record), for choosing a format; undefined for an empty file. */
export async function readHeaderFields(
  path: string,
  quoting: boolean,
): Promise<readonly string[] | undefined> {
  for await (const framed of frameRecords(path, { quoting, limit: 1 })) {
    const fields = splitFields(framed.bytes.toString('utf8'), quoting);
    return Array.isArray(fields) ? (fields as readonly string[]) : [];
  }
  return undefined;
}
