import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Command } from './command.ts';

/** The package root: two levels above this file, in src/cli/ (tsx) and in dist/cli/ alike. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `xscaler bench`: a thin wrapper that runs the benchmark harness (bench/main.ts, TypeScript run
 * through tsx) from the package root with the same options. The harness lives outside src/ because
 * it is a test tool, not part of the server; it needs a source checkout with dev dependencies.
 */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark xScaler against VictoriaMetrics and Prometheus on the same workload',
  usage:
    'xscaler bench [--quick] [--systems xscaler,vm,prometheus] [--figures sustained,queries,disk,restart]\n' +
    '              [--targets N] [--interval D] [--backfill D] [--repeat N] [--out DIR] [...]\n' +
    '  runs `node --import tsx bench/main.ts [options]` from the package root (a source checkout);\n' +
    '  all options: npm run bench -- --help, or docs/performance.md',
  async run(argv) {
    const script = join(PACKAGE_ROOT, 'bench', 'main.ts');
    if (!existsSync(script)) {
      process.stderr.write(
        `xscaler bench: ${script} is missing: the benchmark runs from a source checkout (git clone, npm install)\n`,
      );
      return 1;
    }
    // Ctrl-C reaches the harness too (same process group); wait for it to stop its servers.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], {
        cwd: PACKAGE_ROOT,
        stdio: 'inherit',
      });
      return await new Promise<number>((resolve) => {
        child.once('error', (err) => {
          process.stderr.write(`xscaler bench: could not start the harness: ${err.message}\n`);
          resolve(1);
        });
        child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
      });
    } finally {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
    }
  },
};
