// Docker Compose's global flags, and how they become loader options.
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { LoadOptions } from '../compose/load.js';

export interface GlobalOptions {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
  ansi: 'never' | 'always' | 'auto';
  progress: string;
  dryRun: boolean;
  /** Backend: embedded (default) or docker; also TSCOMPOSE_ENGINE. */
  engine?: string;
  /** State root of the embedded engine; also TSCOMPOSE_ROOT. */
  root?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function addGlobalOptions(program: Command): Command {
  return program
    .option('-f, --file <file>', 'Compose configuration files', collect, [])
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Specify an alternate working directory (default: the path of the first Compose file)')
    .option('--env-file <file>', 'Specify an alternate environment file', collect, [])
    .option('--profile <profile>', 'Specify a profile to enable', collect, [])
    .addOption(new Option('--ansi <when>', 'Control when to print ANSI control characters ("never"|"always"|"auto")').choices(['never', 'always', 'auto']).default('auto'))
    .addOption(new Option('--progress <type>', 'Set type of progress output (auto, tty, plain, json, quiet)').choices(['auto', 'tty', 'plain', 'json', 'quiet']).default('auto'))
    .option('--dry-run', 'Execute command in dry run mode', false)
    .option('--engine <engine>', 'Container engine: embedded (no daemon) or docker (env TSCOMPOSE_ENGINE)')
    .option('--root <dir>', 'State root of the embedded engine (env TSCOMPOSE_ROOT, default /var/lib/tscompose)');
}

export function loadOptionsFrom(globals: GlobalOptions, extra: Partial<LoadOptions> = {}): LoadOptions {
  return {
    workingDir: process.cwd(),
    files: globals.file,
    projectDirectory: globals.projectDirectory,
    projectName: globals.projectName,
    envFiles: globals.envFile.length > 0 ? globals.envFile : undefined,
    profiles: globals.profile,
    osEnv: process.env,
    stdin: () => readStdin(),
    warn: (message) => process.stderr.write(`WARN[0000] ${message}\n`),
    ...extra,
  };
}

/** Compose files are small: fd 0 is read synchronously so the loader stays synchronous. */
function readStdin(): string {
  return readFileSync(0, 'utf8');
}
