import { parseArgs } from 'node:util';
import { EaioError } from '../../infra/errors/index.ts';

/** One flag a benchmark accepts, read from its `knobs` string. */
export interface KnobSpec {
  readonly name: string;
  /** False for a flag written bare (`--keep`): the next word of `knobs` is another flag or nothing. */
  readonly takesValue: boolean;
}

/** What one benchmark run is asked for: the harness's own flags and the knobs passed on to it. */
export interface BenchArgs {
  readonly repeat: number;
  readonly warmup: number;
  /** The knobs as given, for the results file. */
  readonly knobs: Readonly<Record<string, string | true>>;
  /** The knobs as the benchmark's own `parseArgs` reads them. */
  readonly argv: readonly string[];
}

export const DEFAULT_REPEAT = 3;
export const DEFAULT_WARMUP = 1;

const HARNESS_FLAGS = ['repeat', 'warmup'] as const;

function usage(message: string, context: Record<string, unknown> = {}): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

/** `'--weeks N --keep --reuse ID'` → weeks (valued), keep (bare), reuse (valued). */
export function parseKnobSpec(knobs: string): KnobSpec[] {
  const words = knobs.split(/\s+/).filter((w) => w.length > 0);
  const specs: KnobSpec[] = [];
  words.forEach((word, i) => {
    if (!word.startsWith('--')) return;
    const next = words[i + 1];
    specs.push({ name: word.slice(2), takesValue: next !== undefined && !next.startsWith('--') });
  });
  return specs;
}

function count(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw usage(`--${flag} needs an integer >= ${min}, got '${raw}'`);
  return n;
}

/**
 * Parses `[--repeat N] [--warmup N] [knobs]` for `benchmark`. A knob is accepted only if `knobs`
 * lists it, so a misspelt flag is an error here rather than a silently ignored default there.
 */
export function parseBenchArgs(benchmark: string, knobs: string, argv: readonly string[]): BenchArgs {
  const specs = parseKnobSpec(knobs);
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    repeat: { type: 'string' },
    warmup: { type: 'string' },
  };
  for (const s of specs) options[s.name] = { type: s.takesValue ? 'string' : 'boolean' };
  // Not strict: unknown flags and stray words come back as tokens and get this harness's messages.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    tokens: true,
    allowPositionals: true,
  });
  const harness: Partial<Record<(typeof HARNESS_FLAGS)[number], string>> = {};
  const given: Record<string, string | true> = {};
  const passOn: string[] = [];
  const accepted = `${benchmark} accepts --repeat N --warmup N${knobs.length > 0 ? ` ${knobs}` : ''}`;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') throw usage(`unexpected '--'; ${accepted}`);
    if (token.kind === 'positional') throw usage(`unexpected argument '${token.value}'; ${accepted}`);
    const { name, value } = token;
    const known = HARNESS_FLAGS.find((f) => f === name);
    const spec = specs.find((s) => s.name === name);
    if (known === undefined && spec === undefined)
      throw usage(`unknown flag --${name}; ${accepted}`, { benchmark });
    if ((known !== undefined || spec?.takesValue === true) && value === undefined)
      throw usage(`--${name} needs a value; ${accepted}`);
    if (known !== undefined) {
      harness[known] = value;
      continue;
    }
    if (spec?.takesValue === false) {
      if (token.inlineValue === true) throw usage(`--${name} takes no value; ${accepted}`);
      given[name] = true;
      passOn.push(`--${name}`);
    } else {
      given[name] = value as string;
      passOn.push(`--${name}`, value as string);
    }
  }
  return {
    repeat: count('repeat', harness.repeat, DEFAULT_REPEAT, 1),
    warmup: count('warmup', harness.warmup, DEFAULT_WARMUP, 0),
    knobs: given,
    argv: passOn,
  };
}
