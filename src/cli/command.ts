import { parseArgs, type ParseArgsConfig } from 'node:util';

import { AppError } from '../model/index.ts';

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
