/** Where a CPU profile's time goes, coarse enough to act on (issue 13's categories, plus a few that keep "other" small). */
export const CATEGORIES = [
  'idle',
  'gc',
  'program',
  'kafkajs-consume',
  'kafkajs-produce',
  'kafkajs-transactions',
  'kafkajs-other',
  'avro',
  'registry',
  'zod',
  'sql',
  'redis',
  'telemetry',
  'logging',
  'rxjs',
  'project',
  'node',
  'loader',
  'other',
] as const;

export type Category = (typeof CATEGORIES)[number];

/** The part of a V8 call frame that says what ran. */
export interface FrameLocation {
  readonly functionName: string;
  readonly url: string;
}

/**
 * Packages by the category their time counts under, matched on `/node_modules/<package>/`; a bare
 * scope (`@opentelemetry`) stands for every package in it.
 */
const PACKAGES: readonly (readonly [string, Category])[] = [
  ['avsc', 'avro'],
  ['@kafkajs/confluent-schema-registry', 'registry'],
  // The schema registry client's HTTP layer.
  ['mappersmith', 'registry'],
  ['zod', 'zod'],
  ['pg', 'sql'],
  ['pg-protocol', 'sql'],
  ['pg-pool', 'sql'],
  ['pg-types', 'sql'],
  ['pg-copy-streams', 'sql'],
  ['postgres-array', 'sql'],
  ['postgres-date', 'sql'],
  ['ioredis', 'redis'],
  ['@ioredis', 'redis'],
  ['redis-parser', 'redis'],
  ['redis-errors', 'redis'],
  ['@opentelemetry', 'telemetry'],
  ['prom-client', 'telemetry'],
  ['pino', 'logging'],
  ['@pinojs', 'logging'],
  ['pino-std-serializers', 'logging'],
  ['sonic-boom', 'logging'],
  ['rxjs', 'rxjs'],
  ['tsx', 'loader'],
  ['esbuild', 'loader'],
  ['@esbuild', 'loader'],
  ['get-tsconfig', 'loader'],
];

/**
 * Project files whose work belongs to a library category: the codec and registry wrappers decode and
 * encode, the batch span and metrics modules record telemetry, sending offsets is the transaction.
 */
const PROJECT_PATHS: readonly (readonly [RegExp, Category])[] = [
  [/^schemas\/avro-zod\//, 'zod'],
  [/^schemas\/registry-client/, 'registry'],
  [/^schemas\/(avro\/|avro-schemas|event-codec|decode-errors|timestamp-millis)/, 'avro'],
  [/^stream-runtime\/decode-event/, 'avro'],
  [/^stream-runtime\/(batch-span|batch-metrics)/, 'telemetry'],
  [/^stream-runtime\/send-offsets/, 'kafkajs-transactions'],
  [/^infra\/(metrics|telemetry|observability)\//, 'telemetry'],
  [/^infra\/logging\//, 'logging'],
];

/** The package a `node_modules` path belongs to (scoped packages keep their scope), and the path inside it. */
function packageOf(url: string): { name: string; inner: string } | undefined {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const parts = url.slice(at + '/node_modules/'.length).split('/');
  const scoped = parts[0]?.startsWith('@') === true;
  const name = scoped ? `${parts[0]}/${parts[1]}` : (parts[0] ?? '');
  return { name, inner: parts.slice(scoped ? 2 : 1).join('/') };
}

/** kafkajs by what the code is doing: transactions (EOS manager), producing, consuming, or the shared client. */
function kafkajsCategory(inner: string, functionName: string): Category {
  if (
    /eosManager|transaction/i.test(inner) ||
    /^(sendOffsets|commitTransaction|addOffsetsToTransaction|txnOffsetCommit)/.test(functionName)
  )
    return 'kafkajs-transactions';
  if (inner.startsWith('src/producer/') || /protocol\/requests\/produce\//.test(inner))
    return 'kafkajs-produce';
  if (
    inner.startsWith('src/consumer/') ||
    /protocol\/requests\/fetch\//.test(inner) ||
    /protocol\/recordBatch\/|protocol\/messageSet\//.test(inner)
  )
    return 'kafkajs-consume';
  return 'kafkajs-other';
}

/** The path of `url` relative to the repository root, when it is a file of the project outside node_modules. */
export function projectPath(url: string, root: string): string | undefined {
  const base = root.endsWith('/') ? root : `${root}/`;
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  if (!path.startsWith(base) || path.includes('/node_modules/')) return undefined;
  return path.slice(base.length);
}

/**
 * The category of one call frame. V8's pseudo-frames come first (idle is the event loop waiting on
 * I/O, which in a consumer is mostly the broker), then packages by their node_modules path, then the
 * project's own files, Node's internals, and whatever is left.
 */
export function classifyFrame(frame: FrameLocation, root: string): Category {
  switch (frame.functionName) {
    case '(idle)':
      return 'idle';
    case '(garbage collector)':
      return 'gc';
    case '(program)':
      return 'program';
    case '(root)':
      return 'other';
  }
  const pkg = packageOf(frame.url);
  if (pkg !== undefined) {
    if (pkg.name === 'kafkajs') return kafkajsCategory(pkg.inner, frame.functionName);
    const scope = pkg.name.startsWith('@') ? pkg.name.split('/')[0] : undefined;
    return PACKAGES.find(([name]) => name === pkg.name || name === scope)?.[1] ?? 'other';
  }
  const own = projectPath(frame.url, root);
  if (own !== undefined) return PROJECT_PATHS.find(([pattern]) => pattern.test(own))?.[1] ?? 'project';
  if (frame.url.startsWith('node:')) return 'node';
  return 'other';
}

/** Categories that say only that Node or V8 ran, not on whose behalf: their time goes to the caller's. */
export function isCallerAttributed(category: Category): boolean {
  return category === 'node' || category === 'other';
}
