// Import boundaries of EAIO Stream, checked by `npm run lint` (README: "Layout and import rules").
//
// Layers, top to bottom; a folder may import only folders below it:
//   app                      composition: the `eaio` commands and the wiring that builds a platform
//   mcp-adapter              MCP server over the read models
//   projections              read models: projectors, generations and their readers
//   processors | sources     stream processors | producers of source events (side by side)
//   schemas                  Avro schemas, topic catalogue, codec
//   stream-runtime           consuming partition batches, decode/validate, dead letters, retry, batch spans
//   infra                    config, logging, telemetry, metrics, clients, the local stack
// Across top-level folders, and between sibling folders of one slice, only `index.ts` is imported.
// Tests and benchmarks sit outside the layers: they may reach any module.

/** Top-level folders that hold product code, each checked against the layers above. */
const LAYERED = '(app|mcp-adapter|projections|processors|sources|schemas|stream-runtime|infra)';

/** A folder `from` may not import any of `above`. */
const below = (name, from, above, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: `^${from}/` },
  to: { path: `^(${above.join('|')})/` },
});

module.exports = {
  forbidden: [
    below(
      'infra-is-a-leaf',
      'infra',
      ['app', 'mcp-adapter', 'projections', 'processors', 'sources', 'schemas', 'stream-runtime'],
      'infra is the ground floor: it knows nothing of events, topics or read models (take a function instead).',
    ),
    below(
      'stream-runtime-above-infra-only',
      'stream-runtime',
      ['app', 'mcp-adapter', 'projections', 'processors', 'sources', 'schemas'],
      'The stream runtime is generic over what it decodes: schemas and slices hand it functions.',
    ),
    below(
      'schemas-below-slices',
      'schemas',
      ['app', 'mcp-adapter', 'projections', 'processors', 'sources'],
      'Schemas are the shared language of every slice and import none of them.',
    ),
    below(
      'sources-produce-only',
      'sources',
      ['app', 'mcp-adapter', 'projections', 'processors'],
      'Sources produce source events; they use schemas and the runtime, never the consumers of their events.',
    ),
    below(
      'processors-below-projections',
      'processors',
      ['app', 'mcp-adapter', 'projections', 'sources'],
      'Processors derive events from the log; read models and agents sit above them.',
    ),
    below(
      'projections-below-mcp-adapter',
      'projections',
      ['app', 'mcp-adapter', 'sources'],
      'Read models know nothing of who reads them.',
    ),
    below(
      'mcp-adapter-below-app',
      'mcp-adapter',
      ['app', 'sources'],
      'The MCP adapter reads read models; wiring it to a platform is the composition folder’s job.',
    ),
    {
      name: 'slice-entry-point',
      comment: 'Another top-level slice is used through its index.ts only (its public surface).',
      severity: 'error',
      from: { path: `^${LAYERED}/` },
      to: {
        path: '^(app|mcp-adapter|projections|processors|sources|schemas|stream-runtime)/',
        pathNot: ['^$1/', '^[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'infra-entry-point',
      comment: 'Each infra folder is used from outside infra through its index.ts only.',
      severity: 'error',
      from: { path: `^${LAYERED}/`, pathNot: '^infra/' },
      to: { path: '^infra/[^/]+/', pathNot: '^infra/[^/]+/index\\.ts$' },
    },
    {
      name: 'sibling-entry-point',
      comment: 'A folder of a slice uses a sibling folder through its index.ts only, never its internals.',
      severity: 'error',
      from: { path: `^${LAYERED}/([^/]+)/` },
      to: { path: '^$1/[^/]+/', pathNot: ['^$1/$2/', '^$1/[^/]+/index\\.ts$'] },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other (directly or through others) cannot be understood apart.',
      severity: 'error',
      from: { path: `^${LAYERED}/` },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders of product code that import each other are one folder in disguise.',
      severity: 'error',
      scope: 'folder',
      from: { path: `^${LAYERED}/` },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'Product code runs without devDependencies installed.',
      severity: 'error',
      from: { path: `^${LAYERED}/` },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly:
      '^(app|mcp-adapter|projections|processors|sources|schemas|stream-runtime|infra|benchmarks|tests|bin)/',
    exclude: { path: '^(node_modules|\\.stack|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
