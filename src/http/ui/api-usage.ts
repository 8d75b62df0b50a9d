import { NotFoundError } from '../../model/index.ts';
import { sendJson } from '../context.ts';
import type { DashboardDeps, UiCall } from './types.ts';
import type { UsageHistory } from './usage-history.ts';

/**
 * `GET /ui/api/t/<tenant>/usage[?since=<ms>]`: the tenant's usage now plus the samples the server
 * kept of the last hours (one every `intervalMs`), so the Usage page can draw charts from its first
 * load. With `since`, only the samples taken after it: the page's refresh appends them to what it
 * has and drops what is older than `historyFrom` (the oldest sample kept), rather than fetching
 * two hours of points every 15 seconds.
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
  history?.addIfOlder(tenant, now, 5000);
  const sinceText = call.ctx.url.searchParams.get('since');
  const since = sinceText === null ? NaN : Number(sinceText);
  const kept = history?.of(tenant) ?? [];
  sendJson(
    call.ctx.res,
    200,
    {
      tenant,
      at: Date.now(),
      now,
      history: Number.isFinite(since) ? (history?.after(tenant, since) ?? []) : kept,
      historyFrom: kept[0]?.t ?? null,
      intervalMs: history?.intervalMs ?? null,
    },
    { 'cache-control': 'no-store' },
  );
}
