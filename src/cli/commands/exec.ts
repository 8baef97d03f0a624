// `tscompose exec`: runs a command in a running service container; its exit
// code becomes ours.
import type { Command } from 'commander';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { finish, parseIndex, resolveProject, serviceContainer } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';

interface ExecOptions {
  detach: boolean;
  tty: boolean;
  env: string[];
  user?: string;
  workdir?: string;
  index?: string;
  privileged: boolean;
  interactive: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerExec(program: Command): void {
  const command = program
    .command('exec')
    .description('Execute a command in a running container')
    .argument('<service>', 'Service')
    .argument('<command...>', 'Command and arguments')
    .option('-d, --detach', 'Detached mode: Run command in the background', false)
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation. By default a TTY is allocated when stdin is one')
    .option('-e, --env <KEY=VAL>', 'Set environment variables', collect, [])
    .option('-u, --user <user>', 'Run the command as this user')
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command')
    .option('--index <index>', 'Index of the container if service has multiple replicas')
    .option('--privileged', 'Give extended privileges to the process', false)
    .option('-i, --interactive', 'Keep STDIN open even if not attached (always on, as in Compose)', true)
    .option('-t, --tty', 'Allocate a pseudo-TTY (the default, as in Compose; -T disables it)')
    .action(async (service: string, command: string[], opts: ExecOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      let code = 0;
      try {
        const container = await serviceContainer(engine, project, service, { index: parseIndex(opts.index) });
        // A detached command gets a TTY as with Compose (by default when our output is a terminal) or Docker (`exec -d -t`).
        const askedTty = cmd.getOptionValueSource('tty') === 'cli' && opts.tty;
        const tty = opts.tty && (opts.detach ? askedTty || Boolean(process.stdout.isTTY) : Boolean(process.stdin.isTTY));
        const restore = tty && !opts.detach ? enterRawMode() : () => undefined;
        try {
          code = await engine.containers.exec(container.id, {
            cmd: command,
            env: parseEnv(opts.env, process.env),
            user: opts.user,
            workingDir: opts.workdir,
            tty,
            interactive: !opts.detach,
            detach: opts.detach,
            privileged: opts.privileged,
          }, { stdin: opts.detach ? undefined : process.stdin, stdout: process.stdout, stderr: process.stderr });
        } finally {
          restore();
        }
      } catch (error) {
        await engine.close();
        throw error;
      }
      await finish(engine, code);
    });
  stopOptionsAtService(command);
}

/** Everything after SERVICE belongs to the command, options included (`exec web ls -la`), as Docker's flag parsing stops at the first argument. */
function stopOptionsAtService(command: Command): void {
  command.passThroughOptions();
}

/** `-e KEY=VAL`, or `-e KEY` to pass our own value (left out when we have none, as Docker does). */
export function parseEnv(entries: string[], ours: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!key) throw new TscError('CLI_USAGE', `invalid environment variable "${entry}": use KEY=VALUE`);
    if (eq >= 0) env[key] = entry.slice(eq + 1);
    else if (ours[key] !== undefined) env[key] = ours[key]!;
  }
  return env;
}

function enterRawMode(): () => void {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  return () => {
    stdin.setRawMode(false);
    stdin.pause();
  };
}
