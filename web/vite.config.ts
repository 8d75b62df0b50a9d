import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = join(root, 'dist');

/**
 * Writes `.br` and `.gz` next to every text file of the build, so the server sends compressed
 * bytes without compressing per request, and prints what the first page load costs.
 */
function precompress(): Plugin {
  return {
    name: 'xscaler-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          return statSync(path).isDirectory() ? walk(path) : [path];
        });
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json|txt)$/.test(file)) continue;
        const body = readFileSync(file);
        writeFileSync(
          file + '.br',
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(file + '.gz', gzipSync(body, { level: 9 }));
      }
      const html = readFileSync(join(outDir, 'index.html'), 'utf8');
      const firstLoad = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map(
        (m) => m[1] as string,
      );
      const gz = firstLoad.reduce((n, f) => n + statSync(join(outDir, f + '.gz')).size, 0);
      console.log(`first-load JS: ${(gz / 1024).toFixed(1)} KiB gzipped (${firstLoad.join(', ')})`);
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  publicDir: join(root, 'public'),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The editor chunk is large by nature and only loaded by Explore; the first load is checked
    // by the dashboard tests instead.
    chunkSizeWarningLimit: 1024,
  },
  plugins: [precompress()],
});
