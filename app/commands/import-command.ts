import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { EaioError } from '../../infra/errors/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import {
  type BuildingRegistered,
  METER_KINDS,
  type MeterKind,
  READING_UNITS,
  type ReadingUnit,
} from '../../schemas/index.ts';
import {
  IMPORT_FORMATS,
  type ImportFormatFactory,
  type ImportKind,
  type ImportOptions,
  type ImportSummary,
  readHeaderFields,
  readImportEvents,
  runImport,
} from '../../sources/index.ts';
import { type Platform, preparePlatform } from '../platform/index.ts';
import { type CommandContext, withPlatform } from './command-context.ts';
import { createProgressReporter } from './progress.ts';

const KINDS: readonly ImportKind[] = ['buildings', 'readings', 'weather'];

interface ImportFlags {
  readonly format?: string;
  readonly meterKind?: MeterKind;
  readonly unit?: ReadingUnit;
  readonly timestamps?: 'utc' | 'local';
  readonly station?: string;
  readonly metadata?: string;
  readonly json?: boolean;
}

/** Time zones of buildings and weather stations, from a metadata file or the buildings topic. */
interface TimeZones {
  readonly ofBuilding: Map<string, string>;
  readonly ofStation: Map<string, string>;
}

const usage = (message: string): EaioError => new EaioError('INVALID_ARGUMENT', 'permanent', message);

const describeFormats = (formats: readonly ImportFormatFactory[]): string =>
  formats.map((f) => `  ${f.name}: header like\n    ${f.example.split('\n')[0] ?? ''}`).join('\n');

/**
 * The format of `kind` that reads `path`: the one named by `--format`, or the one whose header
 * matches. No match is an error listing the formats of the kind and the headers they expect.
 */
export async function chooseFormat(
  formats: readonly ImportFormatFactory[],
  kind: ImportKind,
  path: string,
  forced: string | undefined,
): Promise<ImportFormatFactory> {
  const ofKind = formats.filter((f) => f.kind === kind);
  if (forced !== undefined) {
    const named = ofKind.find((f) => f.name === forced);
    if (named === undefined)
      throw usage(
        `No ${kind} format named '${forced}'. Formats of ${kind}: ${ofKind.map((f) => f.name).join(', ') || 'none yet'}.`,
      );
    return named;
  }
  const headers = new Map<boolean, readonly string[] | undefined>();
  for (const factory of ofKind) {
    if (!headers.has(factory.quoting))
      headers.set(factory.quoting, await readHeaderFields(path, factory.quoting));
    const header = headers.get(factory.quoting);
    if (header === undefined)
      throw new EaioError('IMPORT_SOURCE', 'permanent', `${basename(path)} is empty: expected a header line`);
    if (factory.matches(header)) return factory;
  }
  const seen = (await readHeaderFields(path, true)) ?? [];
  throw new EaioError(
    'IMPORT_HEADER',
    'permanent',
    `${basename(path)}: no ${kind} format recognises the header '${seen.join(',').slice(0, 200)}'.` +
      (ofKind.length === 0
        ? ` No ${kind} formats are installed.`
        : `\nFormats of ${kind} (force one with --format <name>):\n${describeFormats(ofKind)}`),
  );
}

/** Time zones from the buildings a metadata file describes, read with the buildings format that matches it. */
async function zonesFromMetadata(
  formats: readonly ImportFormatFactory[],
  path: string,
  registeredAt: Date,
): Promise<TimeZones> {
  const factory = await chooseFormat(formats, 'buildings', path, undefined);
  const zones: TimeZones = { ofBuilding: new Map(), ofStation: new Map() };
  const options: ImportOptions = {
    fileName: basename(path),
    timezoneOf: () => undefined,
    timezoneOfStation: () => undefined,
    registeredAt,
  };
  for await (const e of readImportEvents(path, factory, options)) {
    if (e.topic !== 'buildings') continue;
    zones.ofBuilding.set(e.event.buildingId, e.event.timezone);
    const station = e.event.weatherStationId;
    if (station && !zones.ofStation.has(station)) zones.ofStation.set(station, e.event.timezone);
  }
  return zones;
}

/**
 * Time zones of the buildings registered so far, from the compacted `buildings` topic itself (the
 * latest description per building wins): the log is the source of truth, so an import run right
 * after `eaio import buildings` sees them without waiting for a projector to fold them.
 */
async function zonesFromBuildingsTopic(platform: Platform): Promise<TimeZones> {
  const latest = new Map<string, BuildingRegistered>();
  for (const { message } of await readTopicToEnd(platform.kafka, platform.names.topic('buildings'))) {
    if (message.value === null) continue;
    const decoded = await platform.codec.decode('buildings', message.value).catch(() => undefined);
    // An undecodable registration is the buildings projector's dead letter to report, not the import's.
    if (decoded !== undefined) latest.set(decoded.value.buildingId, decoded.value);
  }
  const zones: TimeZones = { ofBuilding: new Map(), ofStation: new Map() };
  for (const b of latest.values()) {
    zones.ofBuilding.set(b.buildingId, b.timezone);
    if (b.weatherStationId && !zones.ofStation.has(b.weatherStationId))
      zones.ofStation.set(b.weatherStationId, b.timezone);
  }
  return zones;
}

/** The summary as people read it: one count per line, rules and reasons indented under theirs. */
export function summaryTable(s: ImportSummary): string {
  const lines: [string, string][] = [
    ['file', s.file],
    ['importer', `${s.importer} (counting ${s.unit}s)`],
    ['read', String(s.read)],
    ['produced', String(s.produced)],
    ['cleaned', String(s.cleaned)],
    ...Object.entries(s.cleanedByRule).map(([rule, n]): [string, string] => [`  ${rule}`, String(n)]),
    ['dead-lettered', String(s.deadLettered)],
    ...Object.entries(s.deadLetteredByReason).map(([reason, n]): [string, string] => [
      `  ${reason}`,
      String(n),
    ]),
    ['duplicates', String(s.duplicates)],
    ['events', String(s.events)],
    ['registrations', String(s.registrations)],
    ['duration', `${(s.durationMs / 1000).toFixed(1)} s (${s.unitsPerSecond} ${s.unit}s/s)`],
    ...(s.restarted === undefined ? [] : [['restarted', s.restarted] as [string, string]]),
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return `${lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/** Runs one import with progress on stderr (when it is a terminal) and returns its summary. */
export async function importFile(
  context: CommandContext,
  platform: Platform,
  kind: ImportKind,
  path: string,
  flags: ImportFlags,
  formats: readonly ImportFormatFactory[] = IMPORT_FORMATS,
): Promise<ImportSummary> {
  const registeredAt = new Date();
  const factory = await chooseFormat(formats, kind, path, flags.format);
  const zones =
    flags.metadata !== undefined
      ? await zonesFromMetadata(formats, flags.metadata, registeredAt)
      : kind === 'buildings'
        ? { ofBuilding: new Map<string, string>(), ofStation: new Map<string, string>() }
        : await zonesFromBuildingsTopic(platform);
  const options: ImportOptions = {
    fileName: basename(path),
    ...(flags.meterKind === undefined ? {} : { meterKind: flags.meterKind }),
    ...(flags.unit === undefined ? {} : { unit: flags.unit }),
    ...(flags.timestamps === undefined ? {} : { timestamps: flags.timestamps }),
    ...(flags.station === undefined ? {} : { stationId: flags.station }),
    timezoneOf: (id) => zones.ofBuilding.get(id),
    timezoneOfStation: (id) => zones.ofStation.get(id),
    registeredAt,
  };
  // A bar on a terminal (not with --json, whose caller wants one line); structured lines otherwise.
  const progress = createProgressReporter({
    task: `import ${options.fileName}`,
    unit: 'bytes',
    stream: process.stderr,
    logger: context.logger,
    interactive: process.stderr.isTTY === true && flags.json !== true,
  });
  progress.start(0);
  try {
    return await runImport(
      { kafka: platform.kafka, codec: platform.codec, names: platform.names, logger: context.logger },
      {
        path,
        factory,
        options,
        onProgress: ({ bytesRead, totalBytes }) => progress.update(bytesRead, totalBytes),
      },
    );
  } finally {
    progress.stop();
  }
}

/**
 * `eaio import buildings|readings|weather <file>`: brings a CSV export in, every unit accounted
 * for, resumable and idempotent (a second import produces nothing).
 */
export function addImportCommand(
  program: Command,
  context: CommandContext,
  /** The formats to choose from; every registered one by default (tests pass their own). */
  formats: readonly ImportFormatFactory[] = IMPORT_FORMATS,
): void {
  const formatsOf = (kind: ImportKind) =>
    formats
      .filter((f) => f.kind === kind)
      .map((f) => `\n  ${f.name}:\n    ${f.example.split('\n').join('\n    ')}`)
      .join('');
  program
    .command('import')
    .description(
      'Import a CSV file of buildings, meter readings or weather; a second import of the same file produces nothing, a grown file only its new rows.',
    )
    .addArgument(program.createArgument('<kind>', 'what the file holds').choices(KINDS))
    .argument('<file>', 'the CSV file')
    .option('--format <name>', 'force a format instead of recognising it by its header')
    .addOption(new Option('--meter-kind <kind>', 'meter kind of a wide readings file').choices(METER_KINDS))
    .addOption(new Option('--unit <unit>', 'unit of a readings file').choices(READING_UNITS))
    .addOption(
      new Option(
        '--timestamps <zone>',
        'whether timestamps are UTC or local to each building or station',
      ).choices(['utc', 'local']),
    )
    .option('--station <id>', 'weather station of a single-station weather file')
    .option(
      '--metadata <file>',
      'building metadata file to take time zones from (default: the buildings registered on the buildings topic)',
    )
    .option('--json', 'print the summary as one JSON line instead of a table')
    .addHelpText(
      'after',
      () => `${KINDS.map((k) => `\nFormats of ${k}:${formatsOf(k) || ' none yet'}`).join('\n')}\n`,
    )
    .action(async (kind: ImportKind, file: string, flags: ImportFlags) => {
      const summary = await withPlatform(context, async (platform) => {
        // Topics, schemas and migrations as `npm start` makes them, so an import is the first thing a
        // fresh deployment can run.
        await preparePlatform(platform);
        return importFile(context, platform, kind, file, flags, formats);
      });
      context.out(flags.json === true ? `${JSON.stringify(summary)}\n` : summaryTable(summary));
    });
}
