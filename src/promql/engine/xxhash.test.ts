import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '../../model/index.ts';
import { labelsHash, labelsHashRatio, xxhash64 } from './xxhash.ts';

const hex = ([hi, lo]: [number, number]): string =>
  hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('xxhash64 matches the reference vectors (seed 0) across the short, 4-, 8- and 32-byte paths', () => {
  assert.equal(hex(xxhash64(bytes(''))), 'ef46db3751d8e999');
  assert.equal(hex(xxhash64(bytes('a'))), 'd24ec4f1a98c6e5b');
  assert.equal(hex(xxhash64(bytes('abc'))), '44bc2cf5ad770999');
  assert.equal(hex(xxhash64(bytes('Nobody inspects the spammish repetition'))), 'fbcea83c8a378bf1');
});

test('labelsHash hashes name 0xff value 0xff … in label order', () => {
  const l = Labels.fromObject({ job: 'api', instance: 'a:1' });
  const manual = new Uint8Array([
    ...bytes('instance'),
    0xff,
    ...bytes('a:1'),
    0xff,
    ...bytes('job'),
    0xff,
    ...bytes('api'),
    0xff,
  ]);
  assert.deepEqual(labelsHash(l), xxhash64(manual));
});

test('labelsHashRatio lies in [0, 1] and differs between label sets', () => {
  const a = labelsHashRatio(Labels.fromObject({ a: '1' }));
  const b = labelsHashRatio(Labels.fromObject({ a: '2' }));
  for (const r of [a, b]) assert.ok(r >= 0 && r <= 1, `ratio ${r}`);
  assert.notEqual(a, b);
});
