import { parseArgs, type ParseArgsConfig } from 'node:util';

import { controlPlanePath } from '../app/index.ts';
import { AppError } from '../model/index.ts';
import { SqliteControlPlane } from '../tenancy/index.ts';

/** One `xscaler <name>` subcommand. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export const dataDirOption = {
  'data-dir': { type: 'string', default: process.env['XSCALER_DATA_DIR'] ?? './data' },
} as const satisfies ParseArgsConfig['options'];

/** `parseArgs` that reports unknown flags as a UsageError. */
export function parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The value of a flag the action cannot do without. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

/** Refuses arguments left over after the ones the action takes. */
export function noMoreArgs(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unexpected "${rest.join(' ')}"`);
}

/** The error for an action a command does not have (or none at all). */
export function unknownAction(action: string | undefined): UsageError {
  return new UsageError(action === undefined ? 'missing action' : `unknown action "${action}"`);
}

/** Opens the control plane of a data directory for `use` and closes it once `use` settles. */
export async function withControlPlane<T>(
  dataDir: string,
  use: (store: SqliteControlPlane) => Promise<T>,
): Promise<T> {
  const store = new SqliteControlPlane(controlPlanePath(dataDir));
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

/** Runs a command, turning expected errors into messages and exit codes. */
export async function runCommand(cmd: Command, argv: string[]): Promise<number> {
  try {
    return await cmd.run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`xscaler ${cmd.name}: ${err.message}\n\nusage: ${cmd.usage}\n`);
      return 2;
    }
    if (err instanceof AppError) {
      process.stderr.write(`xscaler ${cmd.name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
