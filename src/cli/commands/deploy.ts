// `tscompose deploy STACK` and `tscompose stack rm|ps|services STACK`: the
// project as a Swarm stack on the Docker engine (DOCKER_HOST or the current
// Docker context), as `docker stack deploy` makes it.
import type { Command } from 'commander';
import { createDockerEngine, type DockerEngine } from '../../engines/docker/engine.js';
import { convertProject } from '../../swarm/convert.js';
import { deployStack, type ResolveImage } from '../../swarm/deploy.js';
import { removeStack, stackServices, stackTasks, type StackServiceRow, type StackTaskRow } from '../../swarm/stack-view.js';
import { TscError } from '../../util/errors.js';
import { loadProjectFor } from '../context.js';
import { renderTable } from '../format/tabwriter.js';
import type { GlobalOptions } from '../global-options.js';

interface DeployOptions {
  prune: boolean;
  resolveImage: string;
  withRegistryAuth: boolean;
}

const RESOLVE = ['always', 'changed', 'never'];

function openSwarmEngine(globals: GlobalOptions): DockerEngine {
  if (globals.engine === 'embedded') throw new TscError('ENGINE_UNSUPPORTED', 'deploy and stack need a Docker engine in Swarm mode: drop --engine embedded (the Docker engine is found from DOCKER_HOST or the current Docker context)');
  return createDockerEngine();
}

function checkStackName(stack: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(stack)) throw new TscError('CLI_USAGE', `invalid stack name "${stack}": use letters, digits, "_", "." and "-"`);
}

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('Deploy the project as a Swarm stack, or update it (as docker stack deploy)')
    .argument('<stack>', 'Stack name')
    .option('--prune', 'Prune services that are no longer referenced', false)
    .option('--resolve-image <when>', 'Query the registry to resolve image digest and supported platforms ("always", "changed", "never")', 'always')
    .option('--with-registry-auth', 'Send registry authentication details to Swarm agents', false)
    .action(async (stack: string, opts: DeployOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      checkStackName(stack);
      if (!RESOLVE.includes(opts.resolveImage)) throw new TscError('CLI_USAGE', `invalid option '${opts.resolveImage}' for flag '--resolve-image': use always, changed or never`);
      const loaded = loadProjectFor(globals, { projectName: stack });
      const converted = convertProject(loaded.project!, stack);
      const engine = openSwarmEngine(globals);
      try {
        await deployStack(engine.client, converted, {
          prune: opts.prune, resolveImage: opts.resolveImage as ResolveImage, withRegistryAuth: opts.withRegistryAuth, dryRun: globals.dryRun,
          env: { ...process.env, ...loaded.env }, auth: engine.auth,
          out: (line) => process.stdout.write(`${line}\n`), warn: (text) => process.stderr.write(text),
        });
      } finally {
        await engine.close();
      }
    });
}

export function registerStack(program: Command): void {
  const stackCmd = program.command('stack').description('Manage Swarm stacks');
  const withEngine = async (cmd: Command, fn: (engine: DockerEngine) => Promise<void>) => {
    const engine = openSwarmEngine(cmd.optsWithGlobals() as GlobalOptions);
    try {
      await fn(engine);
    } finally {
      await engine.close();
    }
  };
  stackCmd
    .command('rm')
    .alias('remove')
    .description('Remove one or more stacks')
    .argument('<stack...>', 'Stack names')
    .action(async (stacks: string[], _opts: object, cmd: Command) => withEngine(cmd, async (engine) => {
      for (const s of stacks) await removeStack(engine.client, s, (line) => process.stdout.write(`${line}\n`));
    }));
  stackCmd
    .command('services')
    .description('List the services in the stack')
    .argument('<stack>', 'Stack name')
    .option('-q, --quiet', 'Only display IDs', false)
    .option('--format <format>', 'Format the output: table or json', 'table')
    .action(async (stack: string, opts: { quiet: boolean; format: string }, cmd: Command) => withEngine(cmd, async (engine) => {
      const rows = await stackServices(engine.client, stack);
      process.stdout.write(render(rows, opts, ['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'], (r: StackServiceRow) => [r.ID, r.Name, r.Mode, r.Replicas, r.Image, r.Ports]));
    }));
  stackCmd
    .command('ps')
    .description('List the tasks in the stack')
    .argument('<stack>', 'Stack name')
    .option('-q, --quiet', 'Only display task IDs', false)
    .option('--format <format>', 'Format the output: table or json', 'table')
    .action(async (stack: string, opts: { quiet: boolean; format: string }, cmd: Command) => withEngine(cmd, async (engine) => {
      const rows = await stackTasks(engine.client, stack);
      process.stdout.write(render(rows, opts, ['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR', 'PORTS'],
        (r: StackTaskRow) => [r.ID, r.Name, r.Image, r.Node, r.DesiredState, r.CurrentState, r.Error, r.Ports]));
    }));
}

function render<T extends { ID: string }>(rows: T[], opts: { quiet: boolean; format: string }, headers: string[], cells: (r: T) => string[]): string {
  if (opts.quiet) return rows.map((r) => `${r.ID}\n`).join('');
  if (opts.format === 'json') return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  if (opts.format !== 'table') throw new TscError('CLI_USAGE', `invalid --format "${opts.format}": use table or json`);
  return renderTable(headers, rows.map(cells));
}
