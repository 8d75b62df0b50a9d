import type { Command } from './command.ts';
import { serveCommand } from './serve.ts';
import { tenantCommand } from './tenant.ts';
import { tokenCommand } from './token.ts';

/** Every `xscaler` subcommand. Add new ones here (one line each). */
export const COMMANDS: readonly Command[] = [serveCommand, tenantCommand, tokenCommand];
