import { BadDataError, NotFoundError } from '../../model/index.ts';
import { parseScope, type TokenRecord } from '../../tenancy/index.ts';
import { sendEmpty, sendJson } from '../context.ts';
import { JsonBody } from './json-body.ts';
import type { DashboardDeps, UiCall } from './types.ts';

const MAX_NAME_LENGTH = 100;
const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 24 * 3600_000;

/** A token as the dashboard shows it: everything but the secret (which the store never had). */
function tokenView(t: TokenRecord): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    prefix: t.prefix,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    expiresAt: t.expiresAt,
  };
}

/** `GET /ui/api/t/<tenant>/tokens` */
export async function listTokens(deps: DashboardDeps, call: UiCall): Promise<void> {
  const tenant = call.params[0] as string;
  const tokens = await deps.store.listTokens(tenant);
  sendJson(call.ctx.res, 200, { tokens: tokens.map(tokenView) }, { 'cache-control': 'no-store' });
}

/**
 * `POST /ui/api/t/<tenant>/tokens {name, scope, expiresInDays?}`: the answer carries the secret,
 * the only time anyone sees it.
 */
export async function createToken(deps: DashboardDeps, call: UiCall): Promise<void> {
  const tenant = call.params[0] as string;
  const body = await JsonBody.of(call.ctx);
  const name = body.string('name').trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw new BadDataError(`a token needs a name of 1 to ${MAX_NAME_LENGTH} characters`);
  }
  const scope = parseScope(body.string('scope'));
  const days = body.optionalNumber('expiresInDays');
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_EXPIRY_DAYS)) {
    throw new BadDataError(`expiresInDays must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}`);
  }
  const { token, record } = await deps.store.createToken({
    tenant,
    scope,
    name,
    expiresAt: days === undefined ? null : Date.now() + days * DAY_MS,
  });
  call.ctx.log.info(
    { tenant, token: record.id, scope, by: call.who.user.email },
    'token created from the dashboard',
  );
  sendJson(call.ctx.res, 201, { token, record: tokenView(record) }, { 'cache-control': 'no-store' });
}

/**
 * `DELETE /ui/api/t/<tenant>/tokens/<id>`: the token stops working at once in this process (the
 * gate's cache is dropped) and within the cache's lifetime (2 s) in any other.
 */
export async function deleteToken(deps: DashboardDeps, call: UiCall): Promise<void> {
  const [tenant, id] = call.params as [string, string];
  const record = await deps.store.getToken(id);
  if (record === null || record.tenant !== tenant) {
    throw new NotFoundError(`tenant "${tenant}" has no token with id ${id}`);
  }
  await deps.store.revokeToken(id);
  deps.auth.invalidate();
  call.ctx.log.info({ tenant, token: id, by: call.who.user.email }, 'token deleted from the dashboard');
  sendEmpty(call.ctx.res, 204);
}
