import { isUtf8 } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Tracer } from '@opentelemetry/api';
import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import { EaioError } from '../../../infra/errors/index.ts';
import { createProducer, readTopicToEnd } from '../../../infra/kafka/index.ts';
import type { Logger } from '../../../infra/logging/index.ts';
import { globalTracer, inSpan } from '../../../infra/telemetry/index.ts';
import {
  derivedEventId,
  type EventCodec,
  type TopicKey,
  type TopicNames,
  type TopicValue,
} from '../../../schemas/index.ts';
import {
  type ImportEvent,
  type ImportFormat,
  type ImportFormatFactory,
  ImportHeaderError,
  type ImportOptions,
  type RecordResult,
  type SourceRecord,
} from '../import-format.ts';
import { type Pending, rejectionOf } from './decode-record.ts';
import { createEventEncoder, type EventEncoder } from './event-encoder.ts';
import {
  addCounts,
  assertAccounted,
  bump,
  copyCounts,
  emptyCounts,
  type ImportCounts,
  type ImportSummary,
} from './import-accounting.ts';
import { importDeadLetter } from './import-dead-letters.ts';
import { type FramedRecord, frameRecords, hashPrefix, MAX_RECORD_BYTES } from './record-framer.ts';
import { sendChunks } from './send-chunks.ts';
import { splitFields } from './split-fields.ts';

/** What an import needs from the platform. */
export interface ImportDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  /** Makes the span of each transaction; the globally registered tracer (a no-op when off) by default. */
  readonly tracer?: Tracer;
}

/** How far an import has got, for a progress bar. */
export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly read: number;
  readonly rows: number;
}

export interface RunImportRequest {
  readonly path: string;
  readonly factory: ImportFormatFactory;
  readonly options: ImportOptions;
  /** Units per transaction at most (default 20,000). */
  readonly batchUnits?: number;
  /** A transaction is closed once its first unit is this old (default 500 ms), so a slow format still commits. */
  readonly batchMs?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Test seam: runs inside each transaction after its sends, before its commit (1-based count). */
  readonly beforeCommit?: (transaction: number) => void | Promise<void>;
  readonly clock?: () => Date;
}

type ImportCheckpoint = TopicValue<'importCheckpoints'>;

const SOURCE = 'eaio-import';
const DEFAULT_BATCH_UNITS = 20_000;
const DEFAULT_BATCH_MS = 500;

/** Identity of a file: importer, header and first data line, so an appended file keeps it. */
export function sourceIdOf(importer: string, header: string, firstData: string): string {
  return createHash('sha256').update(`${importer}\0${header}\0${firstData}`).digest('hex').slice(0, 32);
}

const importError = (message: string, cause?: unknown): EaioError =>
  new EaioError('IMPORT_SOURCE', 'permanent', message, cause === undefined ? {} : { cause });

/** The latest checkpoint of `sourceId`, read from the compacted topic up to its end. */
async function latestCheckpoint(deps: ImportDeps, sourceId: string): Promise<ImportCheckpoint | undefined> {
  let latest: ImportCheckpoint | undefined;
  for (const { message } of await readTopicToEnd(deps.kafka, deps.names.topic('importCheckpoints'))) {
    if (message.key?.toString() !== sourceId || message.value === null) continue;
    latest = (await deps.codec.decode('importCheckpoints', message.value)).value;
  }
  return latest;
}

/** The first two records of the file (header and first data line), decoded. */
async function readHead(path: string, quoting: boolean): Promise<FramedRecord[]> {
  const head: FramedRecord[] = [];
  try {
    for await (const record of frameRecords(path, { quoting, limit: 2 })) head.push(record);
  } catch (error) {
    throw importError(`Cannot read ${path}: ${(error as Error).message}`, error);
  }
  return head;
}

interface Batch {
  readonly messages: Map<string, Message[]>;
  units: number;
  openedAt: number;
  /** Where the checkpoint written with this batch ends, and the prefix counts up to there. */
  checkpoint?: CheckpointState;
}

/** What a checkpoint records: the accounted prefix, and the unfinished last line read after it, if any. */
interface CheckpointState {
  readonly byteEnd: number;
  readonly lines: number;
  readonly snapshot: Hash | undefined;
  /** The prefix hash when it is known only as a digest (the prefix of a resumed import). */
  readonly prefixSha256?: string;
  readonly counts: ImportCounts;
  readonly tail?: { readonly bytes: number; readonly sha256: string; readonly units: number };
}

const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const newBatch = (): Batch => ({ messages: new Map(), units: 0, openedAt: Date.now() });

/**
 * Imports one CSV file with one format: streams it with bounded memory, feeds its records to the
 * format, and produces the outcomes in Kafka transactions that each also carry the file's checkpoint,
 * so a re-run (after a crash, or of a file that grew) resumes exactly after what is in the log.
 */
export async function runImport(deps: ImportDeps, request: RunImportRequest): Promise<ImportSummary> {
  const { path, factory, options } = request;
  const clock = request.clock ?? (() => new Date());
  const tracer = deps.tracer ?? globalTracer();
  const batchUnits = request.batchUnits ?? DEFAULT_BATCH_UNITS;
  const batchMs = request.batchMs ?? DEFAULT_BATCH_MS;
  const startedAt = Date.now();
  const fileName = options.fileName;

  const totalBytes = await stat(path).then(
    (s) => s.size,
    (error: unknown) => {
      throw importError(`Cannot read ${path}: ${(error as Error).message}`, error);
    },
  );
  const head = await readHead(path, factory.quoting);
  const [headerFrame, firstFrame] = head;
  if (headerFrame === undefined) throw importError(`${fileName} is empty: expected a header line`);
  if (headerFrame.oversize !== undefined || !isUtf8(headerFrame.bytes))
    throw importError(
      `${fileName}: the header line is not valid UTF-8 text of at most ${MAX_RECORD_BYTES} bytes`,
    );
  const headerText = headerFrame.bytes.toString('utf8');
  const headerFields = splitFields(headerText, factory.quoting);
  if (!Array.isArray(headerFields))
    throw importError(
      `${fileName}: the header line is not CSV (${(headerFields as { failure: string }).failure})`,
    );

  const format: ImportFormat = factory.create(options);
  const header: SourceRecord = { line: 1, fields: headerFields as readonly string[], text: headerText };
  let startRegistrations: readonly ImportEvent[];
  try {
    startRegistrations = format.start(header);
  } catch (error) {
    if (error instanceof ImportHeaderError)
      throw new ImportHeaderError(
        `${fileName}: ${error.message} (expected ${error.expected.join(', ')})`,
        error.expected,
      );
    throw error;
  }
  const sourceId = sourceIdOf(format.importer, headerText, firstFrame?.bytes.toString('utf8') ?? '');

  const encoder: EventEncoder = createEventEncoder(deps.codec);
  const deadLetterTopic = deps.names.deadLetter(factory.deadLetterTopic);
  const producer: Producer = createProducer(deps.kafka, {
    // Stable per file: a second import of the same file fences the first (and settles its open transaction).
    transactionalId: `eaio-import-${deps.names.prefix}${sourceId}`,
    // The next transaction starts while the broker still writes the last one's markers (CONCURRENT_TRANSACTIONS):
    // kafkajs retries that, and with its default first wait of ~100 ms a transaction would cost that much more.
    retry: { initialRetryTime: 5, maxRetryTime: 2_000, retries: 20 },
  });
  // Connected before the checkpoint is read: that fences any other import of this file (and aborts its
  // open transaction), so no checkpoint can be committed after the one read here.
  try {
    await producer.connect();
  } catch (error) {
    throw importError(`Cannot connect to Kafka: ${(error as Error).message}`, error);
  }

  // Resume after the last checkpoint when the file still starts with the bytes it covers.
  const previous = await latestCheckpoint(deps, sourceId).catch(async (error: unknown) => {
    await producer.disconnect().catch(() => undefined);
    throw importError(`Cannot read the import checkpoints: ${(error as Error).message}`, error);
  });
  let resumeAt = 0;
  let restarted: string | undefined;
  const base = emptyCounts();
  if (previous !== undefined) {
    const prefix = await hashPrefix(path, previous.bytesConsumed).catch(async (error: unknown) => {
      await producer.disconnect().catch(() => undefined);
      throw importError(`Cannot read ${path}: ${(error as Error).message}`, error);
    });
    if (prefix?.hex === previous.prefixSha256) {
      resumeAt = previous.bytesConsumed;
      Object.assign(base, {
        read: previous.read,
        produced: previous.produced,
        cleaned: previous.cleaned,
        deadLettered: previous.deadLettered,
        duplicates: previous.duplicates,
      });
    } else restarted = 'file changed since the last import';
  }
  const log = deps.logger.child({ file: fileName, importer: format.importer, sourceId });
  log.info({ resumeAt, restarted, totalBytes }, 'import started');

  // This import's counts; `prefixCounts` only over records with a line end (what a checkpoint covers).
  const counts = emptyCounts();
  counts.duplicates = base.read;
  const prefixCounts = emptyCounts();
  // The checkpoint an unfinished last line is recorded beside: the last one that covers a prefix.
  let lastCheckpoint: CheckpointState | undefined =
    previous !== undefined && resumeAt > 0
      ? {
          byteEnd: resumeAt,
          lines: previous.linesConsumed,
          snapshot: undefined,
          prefixSha256: previous.prefixSha256,
          counts: copyCounts(base),
        }
      : undefined;
  const checkpointAt = (state: CheckpointState): void => {
    batch.checkpoint = state;
    lastCheckpoint = state;
  };
  /** Records the unfinished last line beside the last checkpoint, so an unchanged file is all duplicates. */
  const checkpointTail = (framed: FramedRecord, units: number): void => {
    if (lastCheckpoint === undefined || framed.oversize !== undefined) return;
    batch.checkpoint = {
      ...lastCheckpoint,
      tail: { bytes: framed.bytes.length, sha256: sha256Of(framed.bytes), units },
    };
  };

  let transactions = 0;
  let failure: unknown;
  let inflight: Promise<void> = Promise.resolve();
  let batch = newBatch();
  let lastFramedEnd = 0;

  const add = (topic: string, message: Message): void => {
    const list = batch.messages.get(topic);
    if (list === undefined) batch.messages.set(topic, [message]);
    else list.push(message);
  };

  const commit = async (closed: Batch): Promise<void> => {
    const n = ++transactions;
    await inSpan(
      tracer,
      'import transaction',
      {
        attributes: {
          'eaio.import.file': fileName,
          'eaio.import.transaction': n,
          'eaio.import.units': closed.units,
        },
      },
      async () => {
        const transaction = await producer.transaction();
        try {
          for (const [topic, messages] of closed.messages)
            for (const chunk of sendChunks(messages))
              await transaction.send({ topic, messages: chunk, compression: CompressionTypes.None });
          await request.beforeCommit?.(n);
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
      },
    );
    request.onProgress?.({ bytesRead: lastFramedEnd, totalBytes, read: counts.read, rows: counts.rows });
  };

  /** Closes the open batch: adds its checkpoint and commits it after the previous one (overlapping the next batch's work). */
  const closeBatch = async (complete = false): Promise<void> => {
    const closed = batch;
    batch = newBatch();
    if (closed.checkpoint !== undefined) {
      const { byteEnd, lines, snapshot, prefixSha256, counts: c, tail } = closed.checkpoint;
      assertAccounted(c, 'in a checkpoint');
      const checkpoint: ImportCheckpoint = {
        eventId: derivedEventId('import-checkpoint', sourceId, String(byteEnd)),
        occurredAt: clock(),
        source: SOURCE,
        sourceId,
        importer: format.importer,
        fileName,
        bytesConsumed: byteEnd,
        prefixSha256: prefixSha256 ?? (snapshot ?? createHash('sha256')).copy().digest('hex'),
        linesConsumed: lines,
        read: c.read,
        produced: c.produced,
        cleaned: c.cleaned,
        deadLettered: c.deadLettered,
        duplicates: c.duplicates,
        tailBytes: tail?.bytes ?? 0,
        tailSha256: tail?.sha256 ?? '',
        tailUnits: tail?.units ?? 0,
        complete,
        traceContext: null,
      };
      closed.messages.set(deps.names.topic('importCheckpoints'), [
        { key: sourceId, value: await deps.codec.encode('importCheckpoints', checkpoint) },
      ]);
    }
    if (closed.messages.size === 0) return;
    await inflight;
    if (failure !== undefined) throw failure;
    inflight = commit(closed).catch((error: unknown) => {
      failure = error;
    });
  };

  const encodeEvent = async (e: ImportEvent): Promise<Message> => {
    const topic = e.topic as TopicKey;
    if (!encoder.ready(topic)) await encoder.prepare(e.topic, e.event as never);
    return { key: e.key, value: encoder.encode(e.topic, e.event as never) };
  };

  const letter = (framed: FramedRecord, reason: string, detail: string, failedAt: string): void => {
    add(
      deadLetterTopic,
      importDeadLetter({
        fileName,
        sourceId,
        line: framed.line,
        bytes: framed.bytes,
        reason,
        detail,
        failedAt,
      }),
    );
  };

  /** One record's outcomes into the batch, counted; the checkpoint moves past it if it has a line end. */
  const emit = async (entry: Pending, result: RecordResult | undefined): Promise<void> => {
    const { framed } = entry;
    const failedAt = clock().toISOString();
    const delta = emptyCounts();
    delta.rows = 1;
    if (result === undefined) {
      const { reason, detail } = entry.rejection ?? { reason: 'format error', detail: 'no result' };
      delta.read = 1;
      delta.deadLettered = 1;
      bump(delta.deadLetteredByReason, reason);
      letter(framed, reason, detail, failedAt);
    } else {
      for (const registration of result.registrations) {
        add(deps.names.topic(registration.topic), await encodeEvent(registration));
        delta.registrations += 1;
      }
      // Registrations go in the transaction before the one holding the events that need them.
      if (result.registrations.length > 0) {
        counts.registrations += delta.registrations;
        delta.registrations = 0;
        await closeBatch();
      }
      for (const unit of result.units) {
        delta.read += 1;
        if (unit.kind === 'deadLettered') {
          const reason = framed.hasLineEnd ? unit.reason : 'truncated last line';
          const detail = framed.hasLineEnd ? unit.detail : `${unit.reason}: ${unit.detail}`;
          delta.deadLettered += 1;
          bump(delta.deadLetteredByReason, reason);
          letter(framed, reason, detail, failedAt);
          continue;
        }
        const event = unit.event;
        let message: Message | undefined;
        if (event !== undefined) {
          try {
            message = await encodeEvent(event);
          } catch (error) {
            delta.deadLettered += 1;
            bump(delta.deadLetteredByReason, 'invalid event');
            letter(framed, 'invalid event', (error as Error).message, failedAt);
            continue;
          }
          add(deps.names.topic(event.topic), message);
          delta.events += 1;
        }
        if (unit.kind === 'produced') delta.produced += 1;
        else {
          delta.cleaned += 1;
          bump(delta.cleanedByRule, unit.rule);
        }
      }
    }
    addCounts(counts, delta);
    batch.units += delta.read;
    if (framed.hasLineEnd) {
      addCounts(prefixCounts, delta);
      const c = copyCounts(prefixCounts);
      for (const key of ['read', 'produced', 'cleaned', 'deadLettered', 'duplicates'] as const)
        c[key] += base[key];
      checkpointAt({
        byteEnd: framed.byteEnd,
        lines: framed.line + framed.lines - 1,
        snapshot: framed.snapshot,
        counts: c,
      });
    } else checkpointTail(framed, delta.read);
  };

  /** The unfinished last line an earlier import read, unchanged since: its units are duplicates. */
  const isPreviousTail = (framed: FramedRecord): boolean =>
    !framed.hasLineEnd &&
    previous !== undefined &&
    resumeAt > 0 &&
    (previous.tailBytes ?? 0) > 0 &&
    framed.byteEnd === resumeAt + (previous.tailBytes ?? 0) &&
    framed.bytes.length === previous.tailBytes &&
    sha256Of(framed.bytes) === previous.tailSha256;
  const emitPreviousTail = (framed: FramedRecord): void => {
    const units = previous?.tailUnits ?? 0;
    // `read` in the summary is this import's reads plus its duplicates.
    counts.duplicates += units;
    counts.rows += 1;
    checkpointTail(framed, units);
  };

  // Records fed and not yet decided, in line order: a format may hold results back.
  const queue: Pending[] = [];
  const flushRejected = async (): Promise<void> => {
    while (queue[0]?.rejection !== undefined) await emit(queue.shift() as Pending, undefined);
  };
  const take = async (results: readonly RecordResult[]): Promise<void> => {
    for (const result of results) {
      await flushRejected();
      const next = queue.shift();
      if (next === undefined || next.framed.line !== result.record.line)
        throw importError(
          `Internal error: format ${format.importer} returned line ${result.record.line}, expected ${next?.framed.line ?? 'none'} (results must come once each, in line order)`,
        );
      await emit(next, result);
    }
    await flushRejected();
  };

  let fileChangedUnder = false;
  try {
    const hash = createHash('sha256');
    for await (const framed of frameRecords(path, { quoting: factory.quoting, hash })) {
      lastFramedEnd = framed.byteEnd;
      if (framed.line === 1) {
        if (resumeAt > 0) continue;
        // The header's registrations go first, with a checkpoint at the header's end: a re-run after a crash
        // (or of a file with no rows yet) does not register them again.
        for (const registration of startRegistrations)
          add(deps.names.topic(registration.topic), await encodeEvent(registration));
        counts.registrations += startRegistrations.length;
        if (framed.hasLineEnd)
          checkpointAt({
            byteEnd: framed.byteEnd,
            lines: 1,
            snapshot: framed.snapshot,
            counts: copyCounts(base),
          });
        await closeBatch();
        continue;
      }
      if (framed.byteEnd <= resumeAt) {
        if (framed.byteEnd === resumeAt && framed.line + framed.lines - 1 !== previous?.linesConsumed)
          fileChangedUnder = true;
        continue;
      }
      if (queue.length === 0 && isPreviousTail(framed)) {
        emitPreviousTail(framed);
        continue;
      }
      const entry = rejectionOf(framed, factory.quoting);
      if ('rejection' in entry) {
        queue.push(entry);
        await flushRejected();
      } else {
        queue.push({ framed });
        let results: readonly RecordResult[];
        try {
          results = format.record(entry.record);
        } catch (error) {
          // A format must not throw on content; if one does, the record is refused, not the file.
          queue.pop();
          queue.push({ framed, rejection: { reason: 'format error', detail: (error as Error).message } });
          results = [];
        }
        await take(results);
      }
      if (batch.units >= batchUnits || (batch.units > 0 && Date.now() - batch.openedAt >= batchMs))
        await closeBatch();
    }
    await take(format.end());
    if (queue.length > 0)
      throw importError(
        `Internal error: format ${format.importer} never decided line ${queue[0]?.framed.line}`,
      );
    await closeBatch(true);
    await inflight;
    if (failure !== undefined) throw failure;
  } catch (error) {
    await inflight;
    await producer.disconnect().catch(() => undefined);
    log.error({ err: error, transactions }, 'import failed');
    if (error instanceof EaioError) throw error;
    throw importError(`Import of ${fileName} failed: ${(error as Error).message}`, error);
  }
  await producer.disconnect().catch(() => undefined);
  if (fileChangedUnder)
    log.warn('line count at the checkpoint differs from the checkpoint; line numbers may be off');

  const durationMs = Date.now() - startedAt;
  const summary: ImportSummary = {
    file: fileName,
    importer: format.importer,
    unit: format.unit,
    sourceId,
    read: counts.read + counts.duplicates,
    produced: counts.produced,
    cleaned: counts.cleaned,
    cleanedByRule: counts.cleanedByRule,
    deadLettered: counts.deadLettered,
    deadLetteredByReason: counts.deadLetteredByReason,
    duplicates: counts.duplicates,
    events: counts.events,
    registrations: counts.registrations,
    rows: counts.rows,
    durationMs,
    unitsPerSecond: Math.round((counts.read * 1000) / Math.max(1, durationMs)),
    ...(restarted === undefined ? {} : { restarted }),
  };
  assertAccounted(summary, 'at the end of the import');
  log.info({ ...summary, transactions }, 'import finished');
  return summary;
}
