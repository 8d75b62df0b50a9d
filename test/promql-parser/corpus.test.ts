import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  astToJson,
  exprToString,
  parseExpr,
  parseMetricSelector,
  prettify,
} from '../../src/promql/parser/index.ts';
import { normalize, sameTree } from '../../src/promql/parser/test-util.ts';

/**
 * Prometheus's own PromQL test vectors (shared/conformance/promql/testdata): the upstream runner
 * parses every `eval` expression when it loads a file, so every one of them must parse here too,
 * print back to text that parses to the same tree, and every series label set must parse.
 * (In test/ rather than beside the parser because it reads files, which src/promql may not.)
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${repoRoot}../shared/conformance/promql/testdata`;
const present = existsSync(dir);

interface Eval {
  readonly where: string;
  readonly expr: string;
}

/** The `eval` expressions and series label sets of one file (FORMAT.md §1, §3, §8). */
function scan(file: string): { evals: Eval[]; labelSets: Eval[] } {
  const evals: Eval[] = [];
  const labelSets: Eval[] = [];
  let block: 'none' | 'load' | 'eval' = 'none';
  readFileSync(`${dir}/${file}`, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim();
      const where = `${file}:${i + 1}`;
      if (line === '' || line.startsWith('#') || line === 'clear') {
        block = 'none';
        return;
      }
      const words = line.split(/\s+/);
      const cmd = words[0] ?? '';
      if (cmd === 'load' || cmd === 'load_with_nhcb') {
        block = 'load';
        return;
      }
      if (cmd.startsWith('eval')) {
        // eval instant at <t> <expr> | eval range from <a> to <b> step <s> <expr>
        const skip = words[1] === 'range' ? 8 : 4;
        const m = new RegExp(`^(?:\\S+\\s+){${skip}}`).exec(line);
        assert.ok(m, `${where}: cannot split eval header`);
        evals.push({ where, expr: line.slice(m[0].length) });
        block = 'eval';
        return;
      }
      if (block === 'none' || cmd === 'expect' || cmd.startsWith('expected_fail')) return;
      if (block === 'eval' && /^[-+]?(\d|\.\d|0x|inf|nan)/i.test(line)) return; // a scalar result
      labelSets.push({ where, expr: labelSetOf(line) });
    });
  return { evals, labelSets };
}

/** The `name{...}` part of `name{a="b"} 1 2 3` (or `...@st`), quotes and escapes respected. */
function labelSetOf(line: string): string {
  let i = 0;
  while (i < line.length && line[i] !== '{' && !/\s/.test(line[i] ?? '')) i++;
  if (line[i] === '{') {
    let quote = '';
    for (i++; i < line.length; i++) {
      const c = line[i];
      if (quote !== '') {
        if (c === '\\' && quote !== '`') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '}') break;
    }
    i++;
  }
  return line.slice(0, i).replace(/@st$/, '');
}

describe(
  'Prometheus conformance vectors',
  { skip: !present && process.env['CI'] !== 'true' && `${dir} missing` },
  () => {
    it('are present (required under CI)', () => {
      assert.ok(present, `expected the PromQL test vectors at ${dir}`);
    });

    const files = present ? readdirSync(dir).filter((f) => f.endsWith('.test')) : [];
    let total = 0;
    for (const file of files) {
      const { evals, labelSets } = scan(file);
      total += evals.length;
      it(`${file}: ${evals.length} expressions parse and print back to the same tree`, () => {
        for (const { where, expr } of evals) {
          const e = parseExpr(expr);
          const printed = exprToString(e);
          const again = parseExpr(printed);
          assert.ok(
            sameTree(e, again),
            `${where}: ${expr}\nprinted: ${printed}\n${JSON.stringify(normalize(e))}\n${JSON.stringify(normalize(again))}`,
          );
          assert.equal(exprToString(again), printed, `${where}: printing is not stable`);
          assert.ok(
            sameTree(e, parseExpr(prettify(e))),
            `${where}: prettified form differs:\n${prettify(e)}`,
          );
          assert.doesNotThrow(() => JSON.stringify(astToJson(e)));
        }
      });
      it(`${file}: ${labelSets.length} series label sets parse`, () => {
        for (const { where, expr } of labelSets) {
          const vs = parseMetricSelector(expr);
          assert.ok(
            vs.matchers.every((m) => m.type === '='),
            `${where}: ${expr} is not a label set`,
          );
        }
      });
    }

    it('cover the whole corpus', () => {
      assert.ok(!present || total >= 2000, `only ${total} eval expressions found`);
    });
  },
);
