import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { XorChunkDecoder, XorChunkEncoder, crc32c } from '../../src/codec/index.ts';
import { missingTool } from '../support/tools.ts';

/** Chunks of a Prometheus block's `chunks/NNNNNN` segment files: encoding and data bytes. */
function readSegmentChunks(dir: string): Array<{ encoding: number; data: Uint8Array }> {
  const out: Array<{ encoding: number; data: Uint8Array }> = [];
  for (const name of readdirSync(dir).sort()) {
    const file = new Uint8Array(readFileSync(join(dir, name)));
    const view = new DataView(file.buffer);
    assert.equal(view.getUint32(0, false), 0x85bd40dd, `${name}: chunks segment magic`);
    let pos = 8; // magic, version, 3 bytes of padding
    while (pos < file.length) {
      let len = 0;
      let shift = 1;
      for (let b = 0x80; b >= 0x80; shift *= 128) {
        assert.ok(pos < file.length && shift <= 128 ** 4, `${name}: bad chunk length at ${pos}`);
        b = file[pos++] as number;
        len += (b & 0x7f) * shift;
      }
      const encoding = file[pos] as number;
      const data = file.subarray(pos + 1, pos + 1 + len);
      const crc = view.getUint32(pos + 1 + len, false);
      assert.equal(crc32c(file, 0, pos, pos + 1 + len), crc, 'our CRC-32C agrees with the chunk file');
      out.push({ encoding, data });
      pos += 1 + len + 4;
    }
  }
  return out;
}

/**
 * Bit-exactness against Prometheus itself: promtool writes a block from OpenMetrics text; every
 * XOR chunk in it must decode with our decoder, and re-encoding the samples with our encoder must
 * give the very same bytes.
 */
describe('XOR chunks, compared with Prometheus', { skip: missingTool('promtool') }, () => {
  it('encodes exactly the bytes promtool writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xscaler-xor-'));
    try {
      let seed = 7;
      const rand = (): number => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const lines: string[] = ['# TYPE xor_demo gauge'];
      const base = 1_700_000_000_000 - (1_700_000_000_000 % 7_200_000) + 60_000;
      for (const series of ['regular', 'jittery', 'gappy']) {
        let t = base;
        let v = 100;
        for (let i = 0; i < 300; i++) {
          if (series === 'regular') t += 15_000;
          else if (series === 'jittery') t += 15_000 + Math.floor(rand() * 2000) - 1000;
          else t += [15_000, 1, 70_000, 600_000, 9000, 8193, 15_000][i % 7] as number;
          if (t >= base + 7_000_000) break; // stay inside one 2h block
          const r = rand();
          v =
            r < 0.3
              ? v
              : r < 0.6
                ? v + Math.floor(rand() * 10)
                : r < 0.9
                  ? Math.round(rand() * 1e6) / 1000
                  : -v / 3;
          lines.push(`xor_demo{series="${series}"} ${v} ${t / 1000}`);
        }
      }
      lines.push('# EOF');
      writeFileSync(join(dir, 'in.om'), lines.join('\n') + '\n');
      execFileSync(
        'promtool',
        ['tsdb', 'create-blocks-from', 'openmetrics', '-q', join(dir, 'in.om'), join(dir, 'out')],
        {
          timeout: 60_000,
        },
      );
      const blocks = readdirSync(join(dir, 'out')).filter((b) => /^[0-9A-Z]{26}$/.test(b));
      assert.ok(blocks.length >= 1, 'promtool wrote a block');
      const chunks = blocks.flatMap((b) => readSegmentChunks(join(dir, 'out', b, 'chunks')));
      assert.ok(chunks.length >= 6, `several chunks to compare (got ${chunks.length})`);
      const dec = new XorChunkDecoder();
      const enc = new XorChunkEncoder();
      let samples = 0;
      for (const c of chunks) {
        assert.equal(c.encoding, 1, 'XOR');
        dec.reset(c.data);
        enc.reset();
        while (dec.next()) {
          enc.append(dec.t, dec.vhi, dec.vlo);
          samples++;
        }
        assert.equal(Buffer.from(enc.bytes()).toString('hex'), Buffer.from(c.data).toString('hex'));
      }
      assert.ok(samples > 500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
