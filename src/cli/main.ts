#!/usr/bin/env node
import { runCommand } from './command.ts';
import { COMMANDS } from './commands.ts';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return (
    'xscaler — a Prometheus-compatible, multi-tenant metrics backend\n\nusage: xscaler <command> [options]\n\n' +
    COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n') +
    '\n\nRun "xscaler <command> --help" for the options of a command.\n'
  );
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`xscaler: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.summary}\n\nusage: ${cmd.usage}\n`);
    return 0;
  }
  return runCommand(cmd, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`xscaler: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
