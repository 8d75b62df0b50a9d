import { NotFoundError } from '../model/index.ts';
import {
  Accounts,
  checkPasswordPolicy,
  normalizeEmail,
  SqliteUserStore,
  type ControlPlaneStore,
  type User,
} from '../tenancy/index.ts';
import {
  dataDirOption,
  noMoreArgs,
  parse,
  required,
  unknownAction,
  UsageError,
  withControlPlane,
  type Command,
} from './command.ts';
import { printTable, when } from './table.ts';

export const userCommand: Command = {
  name: 'user',
  summary: 'create, list and delete dashboard users; reset their passwords',
  usage:
    'xscaler user create --tenant <id> --email <e> [--operator] [--password-stdin] [--data-dir DIR]\n' +
    '       xscaler user list [--tenant <id>] [--data-dir DIR]\n' +
    '       xscaler user reset-password <email> [--password-stdin] [--data-dir DIR]\n' +
    '       xscaler user delete <email> [--data-dir DIR]\n' +
    '  Without --password-stdin a one-time password is printed; it must be changed at first sign-in.',
  async run(argv) {
    const { values, positionals } = parse({
      args: argv,
      options: {
        ...dataDirOption,
        tenant: { type: 'string' },
        email: { type: 'string' },
        operator: { type: 'boolean', default: false },
        'password-stdin': { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const [action, ...rest] = positionals;
    return withControlPlane(values['data-dir'], async (store) => {
      const accounts = new Accounts(new SqliteUserStore(store.db), store);
      switch (action) {
        case 'create': {
          const tenant = required(values.tenant, '--tenant');
          const emailText = required(values.email, '--email');
          noMoreArgs(rest);
          const password = values['password-stdin'] ? await readPassword() : undefined;
          // Check what can be checked before creating the tenant on the way.
          const email = normalizeEmail(emailText);
          if (password !== undefined) checkPasswordPolicy(password, email);
          await ensureTenant(store, tenant);
          const created = await accounts.create({
            tenant,
            email,
            role: values.operator ? 'operator' : 'member',
            ...(password === undefined ? {} : { password }),
          });
          const { user } = created;
          process.stderr.write(`created ${user.role} ${user.email} in tenant ${user.tenant}\n`);
          printPassword(created.password);
          return 0;
        }
        case 'list': {
          noMoreArgs(rest);
          const users = await accounts.list(values.tenant);
          printTable([['EMAIL', 'TENANT', 'ROLE', 'CREATED', 'LAST SIGN-IN'], ...users.map(row)]);
          return 0;
        }
        case 'reset-password': {
          const user = await oneUser(accounts, rest);
          const password = values['password-stdin'] ? await readPassword() : undefined;
          const generated = await accounts.resetPassword(user.id, password);
          process.stderr.write(`reset the password of ${user.email}\n`);
          printPassword(generated);
          return 0;
        }
        case 'delete': {
          const user = await oneUser(accounts, rest);
          await accounts.delete(user.id);
          process.stderr.write(`deleted ${user.email} and signed out its sessions\n`);
          return 0;
        }
        default:
          throw unknownAction(action);
      }
    });
  },
};

/** The first user of a fresh install usually comes with its organisation: create it on the way. */
async function ensureTenant(store: ControlPlaneStore, tenant: string): Promise<void> {
  if ((await store.getTenant(tenant)) !== null) return;
  await store.createTenant(tenant);
  process.stderr.write(`created tenant ${tenant}\n`);
}

async function oneUser(accounts: Accounts, rest: string[]): Promise<User> {
  if (rest.length !== 1) throw new UsageError('expected exactly one email address');
  const user = await accounts.getByEmail(rest[0] as string);
  if (user === null) throw new NotFoundError(`no user with email ${rest[0] as string}`);
  return user;
}

function printPassword(generated: string | null): void {
  if (generated === null) return;
  // Only the password on stdout, so scripts can capture it; the advice goes to stderr.
  process.stdout.write(generated + '\n');
  process.stderr.write('this one-time password is shown only once; it must be changed at first sign-in\n');
}

/** The password from standard input: its first line, without the line break. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > 4096 || (chunk as Buffer).includes(10)) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new UsageError('--password-stdin: no password on standard input');
  return line;
}

function row(u: User): string[] {
  return [u.email, u.tenant, u.role, when(u.createdAt), when(u.lastLoginAt)];
}
