/**
 * The architecture as a table (docs/architecture.md): each folder under src/ and the folders it may
 * import. Everything not listed is forbidden. `app` is the composition root and may import anything
 * but `cli`; only `cli` may import `app`.
 */
const edge = ['model', 'codec', 'protocol', 'storage', 'promql', 'ingest', 'tenancy'];
const mayImport = {
  model: [],
  codec: ['model'],
  protocol: ['model', 'codec'],
  storage: ['model'],
  tsdb: ['model', 'codec', 'storage'],
  promql: ['model', 'storage'],
  tenancy: ['model'],
  ingest: ['model', 'storage', 'tenancy'],
  http: edge,
  grpc: [...edge, 'http'],
  app: [...edge, 'tsdb', 'http', 'grpc'],
  cli: [...edge, 'tsdb', 'http', 'grpc', 'app'],
};

const layerRules = Object.entries(mayImport).map(([layer, allowed]) => ({
  name: `${layer}-may-only-import-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: `^src/(${[layer, ...allowed].join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-unknown-folders',
      comment: 'Every file under src/ lives in one of the folders of the table.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${Object.keys(mayImport).join('|')})/` },
      to: {},
    },
    {
      name: 'network-only-at-the-edges',
      comment: 'Only http/, grpc/ and the composition root may touch sockets.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(http|grpc|app|cli)/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(http|https|http2|net|tls|dgram)$' },
    },
    {
      name: 'pure-layers-do-no-io',
      comment: 'Decoders, the model and the query language are pure: no files, no sockets, no processes.',
      severity: 'error',
      from: { path: '^src/(model|codec|protocol|promql)/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|child_process|worker_threads)$',
      },
    },
    {
      name: 'no-deep-imports-across-folders',
      comment: "A folder's index.ts is its public face (tests beside the code are exempt).",
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
