/**
 * Writes `schemas/generated/event-types.ts` from every `schemas/avro/*.avsc`, or with `--check`
 * exits 1 when the committed file is stale. `npm run schemas:generate` / `npm run schemas:check-types`.
 *
 * Hand-written rather than `@ovotech/avro-ts`: that package pins `typescript@^4` as a runtime
 * dependency (a second compiler next to the project's 6.x) and emits namespaced names without the
 * `as const` symbol arrays the code base uses for zod enums.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import avro from 'avsc';
import { LOGICAL_TYPES } from '../timestamp-millis.ts';
import { type AvroJson, describeDrift, GENERATED_PATH, renderEventTypes } from './render-event-types.ts';

export type { AvroJson, AvroJsonObject } from './render-event-types.ts';
export { describeDrift, GENERATED_PATH, renderEventTypes } from './render-event-types.ts';

/** Directory of the `.avsc` files, the source of truth of the event model. */
export const AVRO_DIR = new URL('../avro/', import.meta.url);
/** The generated module. */
export const GENERATED_FILE = new URL('../generated/event-types.ts', import.meta.url);

/**
 * Reads and parses every `.avsc` file of a directory, in file-name order. Each one is also parsed by
 * avsc with the project's logical types, so an invalid schema fails here with its file name rather
 * than at registration time.
 */
export function readAvscFiles(dir: URL = AVRO_DIR): AvroJson[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort();
  return files.map((file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    try {
      const schema = JSON.parse(text) as AvroJson;
      avro.Type.forSchema(schema as avro.Schema, { logicalTypes: LOGICAL_TYPES });
      return schema;
    } catch (error) {
      throw new Error(`schemas/avro/${file}: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** Runs the generator; returns the process exit code. */
export function main(args: readonly string[]): number {
  const rendered = renderEventTypes(readAvscFiles());
  const path = fileURLToPath(GENERATED_FILE);
  if (args.includes('--check')) {
    const drift = describeDrift(existsSync(path) ? readFileSync(path, 'utf8') : undefined, rendered);
    if (drift === undefined) {
      process.stdout.write(`${GENERATED_PATH} is up to date.\n`);
      return 0;
    }
    process.stderr.write(`${drift}\n`);
    return 1;
  }
  mkdirSync(new URL('./', GENERATED_FILE), { recursive: true });
  writeFileSync(path, rendered);
  process.stdout.write(`Wrote ${GENERATED_PATH}.\n`);
  return 0;
}

// Run only as a script, so tests can import the functions above without side effects.
const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(script).href) {
  process.exitCode = main(process.argv.slice(2));
}
