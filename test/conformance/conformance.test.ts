import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { withReadFloats } from './columnar.ts';
import { runScript } from './runner.ts';

/**
 * Prometheus's PromQL test vectors (../shared/conformance/promql/testdata, see FORMAT.md) run
 * against our engine. A ratchet: test/conformance/known-failures.txt lists the evals known to fail
 * (`file:line  # expression`); any other failing eval is a regression and fails this test, and so
 * does a listed eval that now passes (shrink the list). `UPDATE_KNOWN_FAILURES=1` rewrites the list.
 * Optional `CONFORMANCE_FILES=a.test,b.test` limits the run (the ratchet then checks those files).
 */

const DATA_DIR = join('..', 'shared', 'conformance', 'promql', 'testdata');
const KNOWN = join('test', 'conformance', 'known-failures.txt');

function readKnown(): Map<string, string> {
  const m = new Map<string, string>();
  if (!existsSync(KNOWN)) return m;
  for (const raw of readFileSync(KNOWN, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const id = line.split(/\s+/)[0]!;
    m.set(id, line);
  }
  return m;
}

/**
 * The vector files to run (all, or those of CONFORMANCE_FILES); undefined after skipping the test
 * when ../shared is absent, which fails it under CI=true.
 */
function vectorFiles(t: TestContext): string[] | undefined {
  if (!existsSync(DATA_DIR)) {
    const msg = `${DATA_DIR} is absent (run from the repo root with ../shared checked out); conformance not run`;
    if (process.env['CI'] === 'true') assert.fail(msg);
    t.skip(msg);
    return undefined;
  }
  const only = process.env['CONFORMANCE_FILES']?.split(',').filter((x) => x !== '') ?? [];
  const files = readdirSync(DATA_DIR)
    .filter((f) => f.endsWith('.test'))
    .filter((f) => only.length === 0 || only.includes(f))
    .sort();
  assert.ok(files.length > 0, 'no .test files found');
  return files;
}

test('PromQL conformance vectors', async (t) => {
  const files = vectorFiles(t);
  if (files === undefined) return;

  const failing = new Map<string, { expr: string; error: string }>();
  const rows: string[] = [];
  let totalPass = 0;
  let totalFail = 0;
  for (const file of files) {
    const outcome = await runScript(readFileSync(join(DATA_DIR, file), 'utf8'));
    let pass = 0;
    let fail = 0;
    for (const e of outcome.evals) {
      if (e.error === null) pass++;
      else {
        fail++;
        failing.set(`${file}:${e.line}`, { expr: e.expr, error: e.error });
      }
    }
    if (outcome.fatal !== null) {
      fail++;
      failing.set(`${file}:0`, { expr: '(file)', error: outcome.fatal });
    }
    totalPass += pass;
    totalFail += fail;
    rows.push(
      `${file.padEnd(28)} ${String(pass).padStart(5)} ${String(fail).padStart(6)}${outcome.fatal !== null ? `  FATAL: ${outcome.fatal}` : ''}`,
    );
  }
  console.log(`${'file'.padEnd(28)} ${'pass'.padStart(5)} ${'fail'.padStart(6)}`);
  for (const r of rows) console.log(r);
  console.log(`${'total'.padEnd(28)} ${String(totalPass).padStart(5)} ${String(totalFail).padStart(6)}`);

  const known = readKnown();
  const inScope = (id: string): boolean => files.includes(id.slice(0, id.lastIndexOf(':')));
  if (process.env['UPDATE_KNOWN_FAILURES'] === '1') {
    const kept = [...known].filter(([id]) => !inScope(id)).map(([, line]) => line);
    const lines = [...failing].map(([id, f]) => `${id}  # ${f.expr.replace(/\s+/g, ' ')}`);
    const all = [...kept, ...lines].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    writeFileSync(
      KNOWN,
      `# PromQL conformance evals known to fail (file:line  # expression). Shrink this list; never grow it\n# without a reason. Regenerate with UPDATE_KNOWN_FAILURES=1 node scripts/test.mjs conformance\n${all.join('\n')}\n`,
    );
    return;
  }
  const regressions = [...failing].filter(([id]) => !known.has(id));
  const fixed = [...known.keys()].filter((id) => inScope(id) && !failing.has(id));
  for (const [id, f] of regressions) console.log(`REGRESSION ${id}  ${f.expr}\n    ${f.error}`);
  assert.equal(
    regressions.length,
    0,
    `${regressions.length} eval(s) fail that are not in ${KNOWN} (see above)`,
  );
  assert.equal(fixed.length, 0, `these evals pass now; remove them from ${KNOWN}: ${fixed.join(', ')}`);
});

test('PromQL conformance vectors through Series.readFloats (the columnar read path)', async (t) => {
  const files = vectorFiles(t);
  if (files === undefined) return;
  const known = readKnown();
  const regressions: string[] = [];
  let evals = 0;
  for (const file of files) {
    const outcome = await runScript(readFileSync(join(DATA_DIR, file), 'utf8'), undefined, withReadFloats);
    if (outcome.fatal !== null) regressions.push(`${file}: ${outcome.fatal}`);
    for (const e of outcome.evals) {
      evals++;
      if (e.error !== null && !known.has(`${file}:${e.line}`))
        regressions.push(`${file}:${e.line}  ${e.expr}\n    ${e.error}`);
    }
  }
  for (const r of regressions) console.log(`REGRESSION (readFloats) ${r}`);
  assert.ok(evals > 0);
  assert.equal(regressions.length, 0, `${regressions.length} eval(s) fail through readFloats (see above)`);
});
