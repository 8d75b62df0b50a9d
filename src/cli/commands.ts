import { benchCommand } from './bench.ts';
import type { Command } from './command.ts';
import { limitsCommand } from './limits.ts';
import { serveCommand } from './serve.ts';
import { tenantCommand } from './tenant.ts';
import { tokenCommand } from './token.ts';
import { userCommand } from './user.ts';

/** Every `xscaler` subcommand. Add new ones here (one line each). */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  tenantCommand,
  tokenCommand,
  userCommand,
  limitsCommand,
  benchCommand,
];
