// The one place that turns errors into messages and exit codes.
import { CommanderError } from 'commander';
import { TscError } from '../util/errors.js';
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has already printed help, version or the usage error.
    return error.exitCode;
  }
  if (error instanceof TscError) {
    const message = error.format();
    if (message !== '') process.stderr.write(`${message}\n`);
    return error.exitCode;
  }
  // Not a user mistake: a bug of ours. Show everything that helps fix it.
  process.stderr.write(`tscompose: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  return 70;
}
