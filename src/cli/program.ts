// The commander program: global flags and one registration per command.
import { Command } from 'commander';
import { registerConfig } from './commands/config.js';
import { registerVersion, VERSION } from './commands/version.js';
import { registerCp } from './commands/cp.js';
import { registerExec } from './commands/exec.js';
import { registerImage } from './commands/image.js';
import { registerImages } from './commands/images.js';
import { registerInspect } from './commands/inspect.js';
import { registerLogs } from './commands/logs.js';
import { registerLs } from './commands/ls.js';
import { registerPort } from './commands/port.js';
import { registerPs } from './commands/ps.js';
import { registerSystem } from './commands/system.js';
import { registerTop } from './commands/top.js';
import { registerWait } from './commands/wait.js';
import { registerUp } from './commands/up.js';
import { registerDown } from './commands/down.js';
import { registerCreate } from './commands/create.js';
import { registerStart } from './commands/start.js';
import { registerStop } from './commands/stop.js';
import { registerRestart } from './commands/restart.js';
import { registerKill } from './commands/kill.js';
import { registerRm } from './commands/rm.js';
import { registerPause } from './commands/pause.js';
import { registerUnpause } from './commands/unpause.js';
import { registerRun } from './commands/run.js';
import { addGlobalOptions } from './global-options.js';

export function buildProgram(): Command {
  const program = new Command('tscompose')
    .description('Define and run multi-container applications, with no Docker daemon')
    .version(VERSION, '-v, --version', 'Show the tscompose version information')
    .enablePositionalOptions()
    .showHelpAfterError(false)
    .exitOverride();
  addGlobalOptions(program);
  registerConfig(program);
  registerVersion(program);
  registerPs(program);
  registerLogs(program);
  registerExec(program);
  registerTop(program);
  registerPort(program);
  registerWait(program);
  registerCp(program);
  registerLs(program);
  registerInspect(program);
  registerImages(program);
  registerImage(program);
  registerSystem(program);
  registerUp(program);
  registerDown(program);
  registerCreate(program);
  registerStart(program);
  registerStop(program);
  registerRestart(program);
  registerKill(program);
  registerRm(program);
  registerPause(program);
  registerUnpause(program);
  registerRun(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}
