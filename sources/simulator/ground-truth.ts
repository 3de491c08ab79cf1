import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import type { GroundTruthFault } from './faults.ts';

/** Where injected faults are recorded. */
export interface GroundTruthSink {
  record(fault: GroundTruthFault): void;
  /** Flushes and closes; resolves once every line is written. */
  close(): Promise<void>;
}

/** A JSONL file of {@link GroundTruthFault} lines, one per fault; an existing file is replaced. */
export async function createGroundTruthFile(path: string): Promise<GroundTruthSink> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'w', encoding: 'utf8' });
  return {
    record(fault) {
      stream.write(`${JSON.stringify(fault)}\n`);
    },
    async close() {
      stream.end();
      await finished(stream);
    },
  };
}

/** Reads a ground-truth file back (for benchmarks and tests). */
export function parseGroundTruth(text: string): GroundTruthFault[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as GroundTruthFault);
}
