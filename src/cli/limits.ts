import { NotFoundError } from '../model/index.ts';
import { formatLimitValue, LIMIT_SPECS, SqliteLimitsStore, TenantLimits } from '../tenancy/index.ts';
import {
  dataDirOption,
  noMoreArgs,
  parse,
  unknownAction,
  UsageError,
  withControlPlane,
  type Command,
} from './command.ts';
import { printTable } from './table.ts';

const KEY_WIDTH = Math.max(...LIMIT_SPECS.map((s) => s.key.length)) + 2;
const KEYS = LIMIT_SPECS.map((s) => `  ${s.key.padEnd(KEY_WIDTH)}${s.help}`).join('\n');

export const limitsCommand: Command = {
  name: 'limits',
  summary: "show and change a tenant's limits (applied by running servers within seconds)",
  usage:
    'xscaler limits set <tenant> KEY=VALUE... [--data-dir DIR]\n' +
    '       xscaler limits unset <tenant> [KEY...] [--data-dir DIR]   (no KEY: every override)\n' +
    '       xscaler limits show <tenant> [--limits-config FILE] [--data-dir DIR]\n' +
    '  Overrides set here win over the --limits-config file of `serve`, which wins over the defaults.\n' +
    '  Durations are Prometheus durations (10m, 30d); 0 means no limit. Lists are comma-separated\n' +
    '  (KEY= is the empty list); booleans are true or false.\n' +
    `  KEYs:\n${KEYS}`,
  async run(argv) {
    const { values, positionals } = parse({
      args: argv,
      options: {
        ...dataDirOption,
        'limits-config': { type: 'string', default: process.env['XSCALER_LIMITS_CONFIG'] ?? '' },
      },
      allowPositionals: true,
    });
    const [action, tenant, ...rest] = positionals;
    if (action === undefined) throw new UsageError('missing action');
    if (tenant === undefined) throw new UsageError('missing tenant');
    return withControlPlane(values['data-dir'], async (cp) => {
      const store = new SqliteLimitsStore(cp.db);
      switch (action) {
        case 'set': {
          if (rest.length === 0) throw new UsageError('set needs at least one KEY=VALUE');
          const changes = new Map<string, string>();
          for (const arg of rest) {
            const eq = arg.indexOf('=');
            if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got "${arg}"`);
            changes.set(arg.slice(0, eq), arg.slice(eq + 1));
          }
          await store.setLimitOverrides(tenant, changes);
          process.stderr.write(
            `set ${[...changes.keys()].join(', ')} for tenant ${tenant}; running servers apply it within a few seconds\n`,
          );
          return 0;
        }
        case 'unset': {
          const removed = await store.unsetLimitOverrides(tenant, rest);
          process.stderr.write(`removed ${removed} override(s) of tenant ${tenant}\n`);
          return 0;
        }
        case 'show': {
          noMoreArgs(rest);
          if ((await cp.getTenant(tenant)) === null) {
            throw new NotFoundError(`tenant "${tenant}" does not exist`);
          }
          const file = values['limits-config'];
          const limits = await TenantLimits.open({ store, configFile: file === '' ? undefined : file });
          const rows = limits
            .explain(tenant)
            .map((e) => [e.spec.key, formatLimitValue(e.spec.field, e.value) || '""', e.source]);
          printTable([['LIMIT', 'VALUE', 'SOURCE'], ...rows]);
          return 0;
        }
        default:
          throw unknownAction(action);
      }
    });
  },
};
