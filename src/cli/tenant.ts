import { dataDirOption, parse, UsageError, withControlPlane, type Command } from './command.ts';

export const tenantCommand: Command = {
  name: 'tenant',
  summary: 'create and list tenants',
  usage: 'xscaler tenant create <id> [--data-dir DIR]\n       xscaler tenant list [--data-dir DIR]',
  async run(argv) {
    const { values, positionals } = parse({ args: argv, options: dataDirOption, allowPositionals: true });
    const [action, id, ...rest] = positionals;
    return withControlPlane(values['data-dir'], async (store) => {
      if (action === 'create' && id !== undefined && rest.length === 0) {
        await store.createTenant(id);
        process.stderr.write(`created tenant ${id}\n`);
        return 0;
      }
      if (action === 'list' && id === undefined) {
        for (const t of await store.listTenants()) {
          process.stdout.write(`${t.id}\t${new Date(t.createdAt).toISOString()}\n`);
        }
        return 0;
      }
      throw new UsageError(
        action === undefined ? 'missing action' : `cannot understand "${positionals.join(' ')}"`,
      );
    });
  },
};
