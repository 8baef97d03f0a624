// The commander program: global flags and one registration per command.
// Command modules (and what they import: the loader, the engine…) are
// loaded only for the command that runs, so `version` loads none of them and
// `config` no engine. Help, and names we do not know, load every command.
import { Command } from 'commander';
import { TSCOMPOSE_VERSION } from '../stack/version.js';
import { addGlobalOptions } from './global-options.js';
import type { CommandName } from './command-names.js';

type Register = (program: Command) => void;

/** In the order `--help` lists them; one for each name of COMMAND_NAMES (the type checks it). */
const COMMANDS: Record<CommandName, () => Promise<Register>> = {
  config: async () => (await import('./commands/config.js')).registerConfig,
  version: async () => (await import('./commands/version.js')).registerVersion,
  ps: async () => (await import('./commands/ps.js')).registerPs,
  logs: async () => (await import('./commands/logs.js')).registerLogs,
  exec: async () => (await import('./commands/exec.js')).registerExec,
  top: async () => (await import('./commands/top.js')).registerTop,
  stats: async () => (await import('./commands/stats.js')).registerStats,
  events: async () => (await import('./commands/events.js')).registerEvents,
  attach: async () => (await import('./commands/attach.js')).registerAttach,
  port: async () => (await import('./commands/port.js')).registerPort,
  wait: async () => (await import('./commands/wait.js')).registerWait,
  cp: async () => (await import('./commands/cp.js')).registerCp,
  ls: async () => (await import('./commands/ls.js')).registerLs,
  inspect: async () => (await import('./commands/inspect.js')).registerInspect,
  images: async () => (await import('./commands/images.js')).registerImages,
  image: async () => (await import('./commands/image.js')).registerImage,
  pull: async () => (await import('./commands/pull.js')).registerPull,
  push: async () => (await import('./commands/push.js')).registerPush,
  login: async () => (await import('./commands/login.js')).registerLogin,
  logout: async () => (await import('./commands/login.js')).registerLogout,
  system: async () => (await import('./commands/system.js')).registerSystem,
  up: async () => (await import('./commands/up.js')).registerUp,
  down: async () => (await import('./commands/down.js')).registerDown,
  create: async () => (await import('./commands/create.js')).registerCreate,
  start: async () => (await import('./commands/start.js')).registerStart,
  stop: async () => (await import('./commands/stop.js')).registerStop,
  restart: async () => (await import('./commands/restart.js')).registerRestart,
  kill: async () => (await import('./commands/kill.js')).registerKill,
  rm: async () => (await import('./commands/rm.js')).registerRm,
  pause: async () => (await import('./commands/pause.js')).registerPause,
  unpause: async () => (await import('./commands/unpause.js')).registerUnpause,
  run: async () => (await import('./commands/run.js')).registerRun,
  watch: async () => (await import('./commands/watch.js')).registerWatch,
  scale: async () => (await import('./commands/scale.js')).registerScale,
  build: async () => (await import('./commands/build.js')).registerBuild,
  builder: async () => (await import('./commands/build.js')).registerBuilder,
  deploy: async () => (await import('./commands/deploy.js')).registerDeploy,
  stack: async () => (await import('./commands/deploy.js')).registerStack,
};

/** The program for `argv` (the user's arguments); without it, with every command. */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const program = new Command('tscompose')
    .description('Define and run multi-container applications, with no Docker daemon')
    .version(TSCOMPOSE_VERSION, '-v, --version', 'Show the tscompose version information')
    .enablePositionalOptions()
    .showHelpAfterError(false)
    .exitOverride();
  addGlobalOptions(program);
  const name = argv && commandName(program, argv);
  const wanted = name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name as CommandName]] : Object.values(COMMANDS);
  const registers = await Promise.all(wanted.map((load) => load()));
  for (const register of registers) register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/**
 * The command word of `argv`: the first argument that is neither a global
 * option nor its value (global options come before the command, as commander
 * parses them with positional options).
 */
export function commandName(program: Command, argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (arg.startsWith('--') && arg.includes('=')) continue;
    const option = program.options.find((o) => o.short === arg || o.long === arg);
    const next = argv[i + 1];
    if (option?.required || (option?.optional && next !== undefined && !next.startsWith('-'))) i++;
  }
  return undefined;
}
