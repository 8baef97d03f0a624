// `tscompose run`: a one-off container of a service (`<project>-<svc>-run-<hex>`),
// its dependencies started first; attached output and exit code passed through.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { splitShellWords } from '../../compose/shell-words.js';
import { parsePortSpec } from '../../compose/syntax/ports.js';
import { parseVolumeSpec } from '../../compose/syntax/volumes.js';
import { buildContainerSpec } from '../../stack/container-spec.js';
import { dependenciesFromProject, transitiveDependencies } from '../../stack/dependencies.js';
import { newSlug, oneoffService } from '../../stack/oneoff.js';
import type { OneoffOverrides } from '../../stack/oneoff.js';
import { formatPlan } from '../../stack/plan-format.js';
import { planResources, planUp } from '../../stack/plan-up.js';
import type { GlobalOptions } from '../global-options.js';
import { attachInteractive } from '../progress/interactive.js';
import { ExitCodeError, TscError } from '../../util/errors.js';
import { lockedObserve, runPlan, withEngine } from '../progress/stack-command.js';
import { collect, ensureServiceImages } from './up.js';

interface RunFlags {
  rm: boolean;
  env: string[];
  volume: string[];
  publish: string[];
  servicePorts: boolean;
  entrypoint?: string;
  deps: boolean;
  /** `-T, --no-TTY` (commander names it after the flag). */
  TTY: boolean;
  detach: boolean;
  name?: string;
  user?: string;
  workdir?: string;
  label: string[];
  interactive: boolean;
  pull?: string;
  build?: boolean;
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('Run a one-off command on a service')
    .argument('<service>', 'Service to run')
    .argument('[command...]', 'Command and arguments (default: the service\'s)')
    .option('--rm', 'Automatically remove the container when it exits', false)
    .option('-e, --env <KEY=VAL>', 'Set environment variables', collect, [])
    .option('-v, --volume <volume>', 'Bind mount a volume', collect, [])
    .option('-p, --publish <port>', 'Publish a container\'s port(s) to the host', collect, [])
    .option('-P, --service-ports', 'Run command with all service\'s ports enabled and mapped to the host', false)
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image')
    .option('--no-deps', 'Don\'t start linked services')
    .option('-T, --no-TTY', 'Disable pseudo-TTY allocation (default: auto-detected)')
    .option('-d, --detach', 'Run container in background and print container ID', false)
    .option('--name <name>', 'Assign a name to the container')
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-l, --label <label>', 'Add or override a label', collect, [])
    .option('-i, --interactive', 'Keep STDIN open even if not attached (default true)', true)
    .option('--no-interactive', 'Do not keep STDIN open, nor attach it')
    .option('--pull <policy>', 'Pull image before running ("always"|"missing"|"never")')
    .option('--build', 'Build image before starting container')
    .action(async (service: string, command: string[], flags: RunFlags, cmd: Command) => {
      await runOneoff(service, command, flags, cmd.optsWithGlobals() as GlobalOptions);
    });
  // Options after SERVICE belong to the command (`run web ls -la`), as with Docker.
  command.passThroughOptions();
}

async function runOneoff(serviceName: string, command: string[], flags: RunFlags, globals: GlobalOptions): Promise<void> {
  await withEngine(globals, { command: 'run', services: [serviceName] }, async (open) => {
    const stack = open.stack!;
    const service = stack.project.services[serviceName];
    if (!service) throw new TscError('NO_SUCH_SERVICE', `no such service: ${serviceName}`);
    const imageIds = await ensureServiceImages(open, [serviceName], flags);
    const slug = newSlug();
    const built = buildContainerSpec(stack, oneoffService(service, overrides(command, flags)), { number: 1, oneoff: { slug }, name: flags.name, imageId: imageIds[serviceName] });
    // Docker's StdinOnce for an attached `run -i`: the container's input ends with ours.
    const spec = flags.interactive && !flags.detach ? { ...built, stdinOnce: true } : built;
    const id = await lockedObserve(open, 'run', async (ctx) => {
      const deps = [...transitiveDependencies(dependenciesFromProject(stack.project), serviceName)];
      if (flags.deps && deps.length > 0) await runPlan(ctx, planUp(stack, ctx.observed, { services: deps, noDeps: true, imageIds }));
      // The project's networks and volumes, as Docker Compose's run creates them even without dependencies.
      else await runPlan(ctx, planResources(stack, ctx.observed));
      if (globals.dryRun) {
        process.stdout.write(formatPlan({ project: ctx.name, warnings: [], steps: [{ id: 'run', kind: 'Container', name: spec.name, service: serviceName, action: { op: 'container-create', spec, start: true }, after: [] }] }));
        return undefined;
      }
      return open.engine.containers.create(spec);
    });
    if (!id) return;
    if (flags.detach) {
      try {
        await open.engine.containers.start(id);
      } catch (error) {
        if (flags.rm) await open.engine.containers.remove(id, { force: true, volumes: true }).catch(() => undefined);
        throw error;
      }
      process.stdout.write(`${spec.name}\n`);
      return;
    }
    let code: number;
    let detached = false;
    try {
      // Attached before it starts: none of its output is missed.
      const attached = await attachInteractive(open.engine, id, { tty: spec.tty === true, stdin: flags.interactive, start: true, sigProxy: true });
      detached = attached.detached && !attached.interrupted;
      code = attached.interrupted ? 130 : detached ? 0 : await open.engine.containers.wait(id);
    } finally {
      // Detached from, it goes on running: --rm cannot apply (no daemon removes it when it ends).
      if (flags.rm && !detached) await open.engine.containers.remove(id, { force: true, volumes: true });
    }
    if (code !== 0) throw new ExitCodeError(code);
  });
}

function overrides(command: string[], flags: RunFlags): OneoffOverrides {
  const environment: Record<string, string | null> = {};
  for (const e of flags.env) {
    const i = e.indexOf('=');
    if (i > 0) environment[e.slice(0, i)] = e.slice(i + 1);
    else environment[e] = process.env[e] ?? null;
  }
  const labels: Record<string, string> = {};
  for (const l of flags.label) {
    const i = l.indexOf('=');
    labels[i > 0 ? l.slice(0, i) : l] = i > 0 ? l.slice(i + 1) : '';
  }
  return {
    command,
    entrypoint: flags.entrypoint !== undefined ? splitShellWords(flags.entrypoint) : undefined,
    environment,
    volumes: flags.volume.map((v) => {
      const parsed = parseVolumeSpec(v);
      return parsed.type === 'bind' && parsed.source ? { ...parsed, source: resolve(parsed.source) } : parsed;
    }),
    ports: flags.publish.flatMap((p) => parsePortSpec(p)),
    servicePorts: flags.servicePorts,
    user: flags.user,
    workingDir: flags.workdir,
    // As Compose's run: a TTY when ours are terminals (service's `tty` or not), none with -T.
    tty: flags.TTY && process.stdin.isTTY === true && process.stdout.isTTY === true,
    stdinOpen: flags.interactive,
    labels: Object.keys(labels).length > 0 ? labels : undefined,
  };
}
