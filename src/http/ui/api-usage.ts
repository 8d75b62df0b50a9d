import { NotFoundError } from '../../model/index.ts';
import { sendJson } from '../context.ts';
import type { DashboardDeps, UiCall } from './types.ts';
import type { UsageHistory } from './usage-history.ts';

/**
 * `GET /ui/api/t/<tenant>/usage`: the tenant's usage now plus the samples the server kept of the
 * last hours (one every `intervalMs`), so the Usage page can draw charts from its first load.
 */
export async function usage(
  deps: DashboardDeps,
  history: UsageHistory | undefined,
  call: UiCall,
): Promise<void> {
  if (deps.usage === undefined) {
    throw new NotFoundError('usage accounting is not available on this server yet');
  }
  const tenant = call.params[0] as string;
  const now = await deps.usage.snapshot(tenant);
  await history?.sampleIfOlder(tenant, 5000);
  sendJson(
    call.ctx.res,
    200,
    {
      tenant,
      at: Date.now(),
      now,
      history: history?.of(tenant) ?? [],
      intervalMs: history?.intervalMs ?? null,
    },
    { 'cache-control': 'no-store' },
  );
}
