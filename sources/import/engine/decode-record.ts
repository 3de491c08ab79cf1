import { isUtf8 } from 'node:buffer';
import type { SourceRecord } from '../import-format.ts';
import { type FramedRecord, MAX_RECORD_BYTES } from './record-framer.ts';
import { splitFields } from './split-fields.ts';

/** A record fed to the format and not yet decided, or one the engine refused itself. */
export interface Pending {
  readonly framed: FramedRecord;
  /** Set when the engine refused the record itself (it never reached the format). */
  readonly rejection?: { readonly reason: string; readonly detail: string };
}

/** A framed record decoded and split, or the reason the engine refuses it before any format sees it. */
export function rejectionOf(
  framed: FramedRecord,
  quoting: boolean,
): { record: SourceRecord } | Required<Pending> {
  if (framed.oversize !== undefined)
    return {
      framed,
      rejection: {
        reason: 'record too large',
        detail: `${framed.oversize} bytes, more than ${MAX_RECORD_BYTES}`,
      },
    };
  if (!isUtf8(framed.bytes))
    return {
      framed,
      rejection: { reason: 'invalid UTF-8', detail: 'the line holds bytes that are not UTF-8' },
    };
  const text = framed.bytes.toString('utf8');
  const fields = splitFields(text, quoting);
  if (!Array.isArray(fields))
    return {
      framed,
      rejection: { reason: 'malformed CSV', detail: (fields as { failure: string }).failure },
    };
  return { record: { line: framed.line, fields: fields as readonly string[], text } };
}
