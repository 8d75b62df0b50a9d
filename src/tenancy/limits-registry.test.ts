import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { TenantLimits } from './limits-registry.ts';
import { SqliteLimitsStore } from './limits-store.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { SqliteControlPlane } from './sqlite-store.ts';

describe('TenantLimits', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'xscaler-limits-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('layers built-in defaults, file defaults, file overrides and stored overrides', async () => {
    const cp = new SqliteControlPlane(join(dir, 'layers.db'));
    try {
      await cp.createTenant('acme');
      await cp.createTenant('other');
      const store = new SqliteLimitsStore(cp.db);
      const file = join(dir, 'layers.yaml');
      writeFileSync(
        file,
        'defaults:\n  ingestion_rate: 20000\n  retention: 7d\noverrides:\n  acme:\n    ingestion_rate: 30000\n    max_series_per_metric: 5\n',
      );
      await store.setLimitOverrides('acme', new Map([['max_series_per_metric', '9']]));
      const limits = await TenantLimits.open({ store, configFile: file });
      const acme = limits.get('acme');
      assert.equal(acme.ingestionRate, 30000, 'file override');
      assert.equal(acme.maxSeriesPerMetric, 9, 'stored override wins over the file');
      assert.equal(acme.retentionMs, 7 * 24 * 3600_000, 'file defaults');
      assert.equal(acme.ingestionBurstSize, DEFAULT_LIMITS.ingestionBurstSize, 'built-in');
      assert.equal(limits.get('other').ingestionRate, 20000);
      assert.equal(limits.get('acme'), acme, 'cached until something changes');
      const sources = Object.fromEntries(limits.explain('acme').map((e) => [e.spec.key, e.source]));
      assert.equal(sources['max_series_per_metric'], 'override');
      assert.equal(sources['ingestion_rate'], 'config override');
      assert.equal(sources['retention'], 'config defaults');
      assert.equal(sources['query_timeout'], 'default');
    } finally {
      cp.close();
    }
  });

  it('picks up changes to the file and to the store on reload, and tells listeners', async () => {
    const cp = new SqliteControlPlane(join(dir, 'reload.db'));
    try {
      await cp.createTenant('acme');
      const store = new SqliteLimitsStore(cp.db);
      const file = join(dir, 'reload.json');
      writeFileSync(file, '{"defaults": {"ingestion_rate": 1}}');
      let changes = 0;
      const limits = await TenantLimits.open({ store, configFile: file, onChange: () => changes++ });
      assert.equal(limits.get('acme').ingestionRate, 1);
      assert.equal(await limits.reload(), false, 'nothing changed');

      writeFileSync(file, '{"defaults": {"ingestion_rate": 2}}');
      assert.equal(await limits.reload(), true);
      assert.equal(limits.get('acme').ingestionRate, 2);

      // Another process (the CLI) writes the store through its own connection.
      const cli = new SqliteControlPlane(join(dir, 'reload.db'));
      await new SqliteLimitsStore(cli.db).setLimitOverrides('acme', new Map([['ingestion_rate', '3']]));
      cli.close();
      assert.equal(await limits.reload(), true);
      assert.equal(limits.get('acme').ingestionRate, 3);
      assert.equal(changes, 2);

      assert.equal(await store.unsetLimitOverrides('acme', ['ingestion_rate']), 1);
      await limits.reload();
      assert.equal(limits.get('acme').ingestionRate, 2, 'back to the file value');
    } finally {
      cp.close();
    }
  });

  it('keeps the last good file when it breaks at run time, reporting once; refuses a bad file at start', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'defaults:\n  ingestion_rate: 5\n');
    const errors: string[] = [];
    const limits = await TenantLimits.open({ configFile: file, onError: (e) => errors.push(String(e)) });
    writeFileSync(file, 'defaults:\n  ingestion_rate: lots\n');
    assert.equal(await limits.reload(), false);
    assert.equal(await limits.reload(), false);
    assert.equal(limits.get('x').ingestionRate, 5);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /broken\.yaml: defaults: limit ingestion_rate: expected a number/);
    await assert.rejects(TenantLimits.open({ configFile: file }), /ingestion_rate/);
    await assert.rejects(TenantLimits.open({ configFile: join(dir, 'missing.yaml') }), /ENOENT/);
  });

  it('validates stored values and needs an existing tenant', async () => {
    const cp = new SqliteControlPlane(join(dir, 'validate.db'));
    try {
      const store = new SqliteLimitsStore(cp.db);
      await assert.rejects(
        store.setLimitOverrides('ghost', new Map([['ingestion_rate', '1']])),
        /tenant "ghost" does not exist/,
      );
      await cp.createTenant('acme');
      await assert.rejects(store.setLimitOverrides('acme', new Map([['nope', '1']])), /unknown limit "nope"/);
      await assert.rejects(store.setLimitOverrides('acme', new Map([['retention', 'forever']])), /duration/);
      await store.setLimitOverrides('acme', new Map([['retention', '720h']]));
      assert.equal((await store.listLimitOverrides()).get('acme')?.get('retention'), '30d', 'canonical form');
    } finally {
      cp.close();
    }
  });

  it('stores the otlp_* settings as text and gives them back typed', async () => {
    const cp = new SqliteControlPlane(join(dir, 'otlp.db'));
    try {
      await cp.createTenant('acme');
      const store = new SqliteLimitsStore(cp.db);
      await store.setLimitOverrides(
        'acme',
        new Map([
          ['otlp_translation_strategy', 'notranslation'],
          ['otlp_promote_resource_attributes', 'service.version, k8s.pod.name'],
          ['otlp_promote_scope_metadata', 'FALSE'],
          ['otlp_exponential_histograms', 'classic'],
        ]),
      );
      const rows = (await store.listLimitOverrides()).get('acme');
      assert.equal(rows?.get('otlp_translation_strategy'), 'NoTranslation', 'canonical form');
      assert.equal(rows?.get('otlp_promote_resource_attributes'), 'service.version,k8s.pod.name');
      assert.equal(rows?.get('otlp_promote_scope_metadata'), 'false');
      await assert.rejects(
        store.setLimitOverrides('acme', new Map([['otlp_exponential_histograms', 'both']])),
        /expected one of native, classic/,
      );
      const limits = await TenantLimits.open({ store });
      const acme = limits.get('acme');
      assert.equal(acme.otlpTranslationStrategy, 'NoTranslation');
      assert.deepEqual(acme.otlpPromoteResourceAttributes, ['service.version', 'k8s.pod.name']);
      assert.equal(acme.otlpPromoteScopeMetadata, false);
      assert.equal(acme.otlpExponentialHistograms, 'classic');
      assert.equal(acme.otlpKeepIdentifyingResourceAttributes, false, 'default');
      assert.equal(limits.get('other').otlpExponentialHistograms, 'native');
      const shown = Object.fromEntries(limits.explain('acme').map((e) => [e.spec.key, e.source]));
      assert.equal(shown['otlp_translation_strategy'], 'override');
      assert.equal(shown['otlp_keep_identifying_resource_attributes'], 'default');
    } finally {
      cp.close();
    }
  });
});
