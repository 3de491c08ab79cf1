import { derivedEventId } from '../../schemas/index.ts';
import {
  type ImportEvent,
  type ImportFormat,
  type ImportFormatFactory,
  ImportHeaderError,
  type ImportOptions,
  type RecordResult,
  type SourceRecord,
  type UnitOutcome,
} from '../../sources/index.ts';

export const TEST_HEADER = ['timestamp', 'meter', 'value'] as const;

/**
 * A tiny long format for engine tests, `timestamp,meter,value` (timestamp in epoch ms): one reading
 * per row; a meter's registration travels with its first row; an empty value is cleaned (`empty
 * value`), a non-number is dead-lettered (`not a number`). `holdBack` keeps that many records
 * undecided, like a weather cleaner that needs the next days, to exercise the engine's ordering.
 */
export function testImportFormat(holdBack = 0): ImportFormatFactory {
  return {
    name: 'test-long',
    kind: 'readings',
    deadLetterTopic: 'sensorReadings',
    quoting: true,
    example: 'timestamp,meter,value\n1700000000000,m1,1.5\n1700003600000,m1,2',
    matches: (header) => header.join(',') === TEST_HEADER.join(','),
    create: (options) => createFormat(options, holdBack),
  };
}

function createFormat(options: ImportOptions, holdBack: number): ImportFormat {
  const seen = new Set<string>();
  const held: SourceRecord[] = [];
  const decide = (record: SourceRecord): RecordResult => {
    const [timestamp = '', meter = '', value = ''] = record.fields;
    const registrations: ImportEvent[] = [];
    if (meter !== '' && !seen.has(meter)) {
      seen.add(meter);
      registrations.push({
        topic: 'meters',
        key: meter,
        event: {
          eventId: derivedEventId('test-meter', meter),
          occurredAt: options.registeredAt,
          source: 'test-import',
          meterId: meter,
          buildingId: 'b1',
          meterKind: 'electricity',
          unit: 'kWh',
          brickClass: null,
          traceContext: null,
        },
      });
    }
    const units: UnitOutcome[] = [];
    if (value === '') units.push({ kind: 'cleaned', rule: 'empty value', detail: `line ${record.line}` });
    else if (!Number.isFinite(Number(value)) || !/^\d+$/.test(timestamp))
      units.push({ kind: 'deadLettered', reason: 'not a number', detail: `value '${value}'` });
    else
      units.push({
        kind: 'produced',
        event: {
          topic: 'sensorReadings',
          key: meter,
          event: {
            eventId: derivedEventId('test-reading', meter, timestamp),
            occurredAt: new Date(Number(timestamp)),
            source: 'test-import',
            buildingId: 'b1',
            meterId: meter,
            meterKind: 'electricity',
            value: Number(value),
            unit: 'kWh',
            traceContext: null,
          },
        },
      });
    return { record, registrations, units };
  };
  return {
    importer: 'test-long',
    unit: 'row',
    start(header) {
      const missing = TEST_HEADER.filter((c, i) => header.fields[i] !== c);
      if (missing.length > 0) throw new ImportHeaderError(`header is not ${TEST_HEADER.join(',')}`, missing);
      return [];
    },
    record(record) {
      held.push(record);
      return held.length > holdBack ? [decide(held.shift() as SourceRecord)] : [];
    },
    end() {
      return held.splice(0).map(decide);
    },
  };
}
