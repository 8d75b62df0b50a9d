import { parseDurationMs } from '../model/index.ts';
import { parseScope, type TokenRecord } from '../tenancy/index.ts';
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

export const tokenCommand: Command = {
  name: 'token',
  summary: 'create, list and revoke API tokens',
  usage:
    'xscaler token create --tenant <id> --scope read|write|read+write [--name N] [--expires-in 90d] [--data-dir DIR]\n' +
    '       xscaler token list --tenant <id> [--data-dir DIR]\n' +
    '       xscaler token revoke <token-id> [--data-dir DIR]',
  async run(argv) {
    const { values, positionals } = parse({
      args: argv,
      options: {
        ...dataDirOption,
        tenant: { type: 'string' },
        scope: { type: 'string' },
        name: { type: 'string' },
        'expires-in': { type: 'string' },
      },
      allowPositionals: true,
    });
    const [action, ...rest] = positionals;
    return withControlPlane(values['data-dir'], async (store) => {
      switch (action) {
        case 'create': {
          const tenant = required(values.tenant, '--tenant');
          const scopeText = required(values.scope, '--scope');
          noMoreArgs(rest);
          const scope = parseScope(scopeText);
          const expiresAt =
            values['expires-in'] === undefined ? null : Date.now() + parseDurationMs(values['expires-in']);
          const { token, record } = await store.createToken({
            tenant,
            scope,
            name: values.name ?? 'cli',
            expiresAt,
          });
          // Only the token on stdout, so scripts can capture it; the rest goes to stderr.
          process.stdout.write(token + '\n');
          process.stderr.write(
            `created token ${record.id} (${record.scope}) for tenant ${record.tenant}; it is shown only once\n`,
          );
          return 0;
        }
        case 'list': {
          const rows = (await store.listTokens(required(values.tenant, '--tenant'))).map(row);
          printTable([['ID', 'NAME', 'SCOPE', 'PREFIX', 'CREATED', 'LAST USED', 'EXPIRES'], ...rows]);
          return 0;
        }
        case 'revoke': {
          if (rest.length !== 1) throw new UsageError('revoke takes exactly one token id');
          const id = rest[0] as string;
          if (!(await store.revokeToken(id))) {
            process.stderr.write(`xscaler token: no token with id ${id}\n`);
            return 1;
          }
          process.stderr.write(`revoked token ${id}; servers refuse it within 5 seconds\n`);
          return 0;
        }
        default:
          throw unknownAction(action);
      }
    });
  },
};

function row(t: TokenRecord): string[] {
  return [t.id, t.name, t.scope, `${t.prefix}…`, when(t.createdAt), when(t.lastUsedAt), when(t.expiresAt)];
}
