import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Longest record kept whole; a longer one is cut here and dead-lettered, so memory stays bounded. */
export const MAX_RECORD_BYTES = 256 * 1024;

/** One record framed from the file's bytes, before any decoding. */
export interface FramedRecord {
  /** 1-based physical line where the record starts. */
  readonly line: number;
  /** Physical lines it spans (more than one when a quoted field holds line ends). */
  readonly lines: number;
  /** Its bytes without the line end (and without a BOM on the first); at most {@link MAX_RECORD_BYTES}. */
  readonly bytes: Buffer;
  /** Its full length in bytes when it was longer than {@link MAX_RECORD_BYTES} and cut; otherwise undefined. */
  readonly oversize: number | undefined;
  /** File offset just after its line end (or after its last byte when it has none). */
  readonly byteEnd: number;
  /** False for a last line the writer had not finished: not part of any checkpointed prefix. */
  readonly hasLineEnd: boolean;
  /**
   * State of the prefix hash at `byteEnd` (when a hash was given): a checkpoint may end at this record
   * long after later bytes were hashed, when a format holds results back. A copy costs about 0.5 µs.
   */
  readonly snapshot: Hash | undefined;
}

export interface FrameOptions {
  /** Whether `"` opens a quoted field that may span lines (RFC 4180); off for exports that never quote. */
  readonly quoting: boolean;
  /** Running SHA-256 of every byte framed, from offset 0; the prefix hash of checkpoints. */
  readonly hash?: Hash;
  /** Stop after this many records (reading a file's head). */
  readonly limit?: number;
}

/**
 * Splits a file into CSV records with exact byte offsets and original bytes, streaming with bounded
 * memory. Framing is done on bytes rather than by csv-parse because csv-parse 6.2.1 cannot give the
 * original bytes of a record that is not valid UTF-8, and with `max_record_size` and
 * `skip_records_with_error` it calls `on_skip` once per byte past the limit and then drops every
 * later record of the chunk (checked: the rest of the file disappears). Fields are split by
 * {@link splitFields}, which hands quoted records to csv-parse.
 */
export async function* frameRecords(path: string, options: FrameOptions): AsyncGenerator<FramedRecord> {
  const { quoting, hash, limit } = options;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // A record past MAX_RECORD_BYTES is hashed as it streams and only its head is kept.
  let spilled = false;
  let offset = 0;
  let line = 1;
  let recordLines = 1;
  let inQuote = false;
  let afterQuote = false;
  let fieldStart = true;
  let first = true;
  let count = 0;
  // Line ends: LF or CRLF, or a lone CR (old Mac exports, as BDG1's meta_open.csv); decided on the first one seen.
  let delimiter: number | undefined;
  const take = (piece: Buffer): void => {
    if (spilled) {
      hash?.update(piece);
      pendingBytes += piece.length;
      return;
    }
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes <= MAX_RECORD_BYTES) return;
    for (const p of pending) hash?.update(p);
    pending = [Buffer.concat(pending).subarray(0, MAX_RECORD_BYTES)];
    spilled = true;
  };
  const finish = (end: number, hasLineEnd: boolean): FramedRecord => {
    if (!spilled) for (const p of pending) hash?.update(p);
    let bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    if (hasLineEnd && !spilled) {
      bytes = bytes.subarray(0, bytes.length - 1);
      if (delimiter === LF && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (first && bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
    first = false;
    const record: FramedRecord = {
      line,
      lines: recordLines,
      bytes,
      oversize: spilled ? pendingBytes : undefined,
      byteEnd: end,
      hasLineEnd,
      snapshot: hash?.copy(),
    };
    line += recordLines;
    recordLines = 1;
    pending = [];
    pendingBytes = 0;
    spilled = false;
    fieldStart = true;
    inQuote = false;
    afterQuote = false;
    return record;
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0;
      delimiter ??= lineEndOf(chunk);
      while (from < chunk.length) {
        const end = quoting ? scanQuoted(chunk, from) : chunk.indexOf(delimiter ?? LF, from);
        if (end === -1) {
          take(chunk.subarray(from));
          break;
        }
        take(chunk.subarray(from, end + 1));
        from = end + 1;
        yield finish(offset + from, true);
        count += 1;
        if (limit !== undefined && count >= limit) return;
      }
      offset += chunk.length;
    }
    if (pendingBytes > 0) yield finish(offset, false);
  } finally {
    stream.destroy();
  }

  /** Index of the line feed ending the current record in `chunk` from `from`, or -1; tracks quotes. */
  function scanQuoted(chunk: Buffer, from: number): number {
    for (let i = from; i < chunk.length; i += 1) {
      const byte = chunk[i];
      if (inQuote) {
        if (byte === QUOTE) {
          inQuote = false;
          afterQuote = true;
        } else if (byte === (delimiter ?? LF)) recordLines += 1;
        continue;
      }
      if (byte === QUOTE && (fieldStart || afterQuote)) {
        // `""` inside a quoted field: the second quote reopens it.
        inQuote = true;
        afterQuote = false;
        fieldStart = false;
        continue;
      }
      afterQuote = false;
      if (byte === (delimiter ?? LF)) return i;
      fieldStart = byte === COMMA;
    }
    return -1;
  }
}

/** The line end a file uses, from its first chunk: LF (also for CRLF) or a lone CR; undefined if none yet. */
function lineEndOf(chunk: Buffer): number | undefined {
  const lf = chunk.indexOf(LF);
  const cr = chunk.indexOf(CR);
  if (cr !== -1 && (lf === -1 || cr < lf - 1) && cr + 1 < chunk.length) return CR;
  return lf === -1 ? undefined : LF;
}

/** SHA-256 (hex) of the first `bytes` bytes of a file, streamed; undefined when the file is shorter. */
export async function hashPrefix(
  path: string,
  bytes: number,
): Promise<{ hex: string; state: Hash } | undefined> {
  const hash = createHash('sha256');
  if (bytes === 0) return { hex: hash.copy().digest('hex'), state: hash };
  let seen = 0;
  for await (const chunk of createReadStream(path, {
    start: 0,
    end: bytes - 1,
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    seen += chunk.length;
  }
  if (seen < bytes) return undefined;
  return { hex: hash.copy().digest('hex'), state: hash };
}
