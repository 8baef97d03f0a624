// The commander program: global flags and one registration per command.
import { Command } from 'commander';
import { registerConfig } from './commands/config.js';
import { registerVersion, VERSION } from './commands/version.js';
import { addGlobalOptions } from './global-options.js';

export function buildProgram(): Command {
  const program = new Command('tscompose')
    .description('Define and run multi-container applications, with no Docker daemon')
    .version(VERSION, '-v, --version', 'Show the tscompose version information')
    .enablePositionalOptions(false)
    .showHelpAfterError(false)
    .exitOverride();
  addGlobalOptions(program);
  registerConfig(program);
  registerVersion(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}
