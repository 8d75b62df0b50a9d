import { BadDataError, NotFoundError } from '../../model/index.ts';
import { parseRole } from '../../tenancy/index.ts';
import { sendEmpty, sendJson } from '../context.ts';
import { publicUser } from './api-session.ts';
import { JsonBody } from './json-body.ts';
import type { DashboardDeps, UiCall } from './types.ts';

/** `GET /ui/api/admin/tenants`: every tenant with how many users and tokens it has. */
export async function listTenants(deps: DashboardDeps, call: UiCall): Promise<void> {
  const [tenants, users] = await Promise.all([deps.store.listTenants(), deps.accounts.list()]);
  const usersBy = new Map<string, number>();
  for (const u of users) usersBy.set(u.tenant, (usersBy.get(u.tenant) ?? 0) + 1);
  const rows = await Promise.all(
    tenants.map(async (t) => ({
      id: t.id,
      createdAt: t.createdAt,
      users: usersBy.get(t.id) ?? 0,
      tokens: (await deps.store.listTokens(t.id)).length,
    })),
  );
  sendJson(call.ctx.res, 200, { tenants: rows }, { 'cache-control': 'no-store' });
}

/** `POST /ui/api/admin/tenants {id}` */
export async function createTenant(deps: DashboardDeps, call: UiCall): Promise<void> {
  const body = await JsonBody.of(call.ctx);
  const tenant = await deps.store.createTenant(body.string('id').trim());
  call.ctx.log.info({ tenant: tenant.id, by: call.who.user.email }, 'tenant created from the dashboard');
  sendJson(call.ctx.res, 201, { tenant });
}

/** `GET /ui/api/admin/users` */
export async function listUsers(deps: DashboardDeps, call: UiCall): Promise<void> {
  const users = await deps.accounts.list();
  sendJson(call.ctx.res, 200, { users: users.map(publicUser) }, { 'cache-control': 'no-store' });
}

/** `POST /ui/api/admin/users {tenant, email, role}`: answers with the one-time password. */
export async function createUser(deps: DashboardDeps, call: UiCall): Promise<void> {
  const body = await JsonBody.of(call.ctx);
  const { user, password } = await deps.accounts.create({
    tenant: body.string('tenant').trim(),
    email: body.string('email'),
    role: parseRole(body.optionalString('role') ?? 'member'),
  });
  call.ctx.log.info({ user: user.email, tenant: user.tenant, by: call.who.user.email }, 'user created');
  sendJson(call.ctx.res, 201, { user: publicUser(user), password }, { 'cache-control': 'no-store' });
}

/** `DELETE /ui/api/admin/users/<id>`: deletes a user and ends its sessions (not oneself). */
export async function deleteUser(deps: DashboardDeps, call: UiCall): Promise<void> {
  const id = call.params[0] as string;
  if (id === call.who.user.id) throw new BadDataError('you cannot delete your own account');
  if (!(await deps.accounts.delete(id))) throw new NotFoundError(`no user with id ${id}`);
  call.ctx.log.info({ user: id, by: call.who.user.email }, 'user deleted');
  sendEmpty(call.ctx.res, 204);
}

/** `POST /ui/api/admin/users/<id>/password`: a new one-time password; the user's sessions end. */
export async function resetPassword(deps: DashboardDeps, call: UiCall): Promise<void> {
  const id = call.params[0] as string;
  if (id === call.who.user.id) {
    throw new BadDataError('change your own password in Settings → Account');
  }
  const password = await deps.accounts.resetPassword(id);
  await deps.sessions.endAllFor(id);
  sendJson(call.ctx.res, 200, { password }, { 'cache-control': 'no-store' });
}

/** `GET /ui/api/admin/limits/<tenant>` */
export async function getLimits(deps: DashboardDeps, call: UiCall): Promise<void> {
  if (deps.limits === undefined) throw new NotFoundError('per-tenant limits are not available here');
  const tenant = await existingTenant(deps, call.params[0] as string);
  sendJson(
    call.ctx.res,
    200,
    { tenant, limits: await deps.limits.describe(tenant) },
    {
      'cache-control': 'no-store',
    },
  );
}

/** `PUT /ui/api/admin/limits/<tenant> {changes: {key: value | null}}` */
export async function updateLimits(deps: DashboardDeps, call: UiCall): Promise<void> {
  if (deps.limits === undefined) throw new NotFoundError('per-tenant limits are not available here');
  const tenant = await existingTenant(deps, call.params[0] as string);
  const changes = (await JsonBody.of(call.ctx)).optionalObject('changes');
  if (changes === undefined) throw new BadDataError('"changes" is required: {"limit_name": value or null}');
  await deps.limits.update(tenant, changes);
  call.ctx.log.info({ tenant, changes, by: call.who.user.email }, 'limits changed from the dashboard');
  sendJson(call.ctx.res, 200, { tenant, limits: await deps.limits.describe(tenant) });
}

async function existingTenant(deps: DashboardDeps, tenant: string): Promise<string> {
  if ((await deps.store.getTenant(tenant)) === null) throw new NotFoundError(`no tenant "${tenant}"`);
  return tenant;
}
