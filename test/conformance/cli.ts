/**
 * Debug helper: runs PromQL test scripts and prints every failing eval with its error.
 * Usage: node --import tsx test/conformance/cli.ts [file.test ...] [--line N]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScript } from './runner.ts';

const DATA_DIR = join('..', 'shared', 'conformance', 'promql', 'testdata');
const args = process.argv.slice(2);
const li = args.indexOf('--line');
const onlyLine = li >= 0 ? Number(args[li + 1]) : null;
const files = args.filter((a, i) => a.endsWith('.test') && (li < 0 || i !== li + 1));
const list =
  files.length > 0
    ? files
    : readdirSync(DATA_DIR)
        .filter((f) => f.endsWith('.test'))
        .sort();
let pass = 0;
let fail = 0;
for (const f of list) {
  const out = await runScript(readFileSync(join(DATA_DIR, f), 'utf8'));
  if (out.fatal !== null) console.log(`${f}: FATAL ${out.fatal}`);
  for (const e of out.evals) {
    if (onlyLine !== null && e.line !== onlyLine) continue;
    if (e.error === null) pass++;
    else {
      fail++;
      console.log(`${f}:${e.line}  ${e.expr}\n    ${e.error.split('\n').slice(0, 6).join('\n    ')}`);
    }
  }
}
console.log(`pass ${pass} fail ${fail}`);
