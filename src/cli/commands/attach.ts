// `tscompose attach SERVICE`: the output of a service's running container from
// now on, until it stops; Ctrl-C is passed to it (--sig-proxy). Input cannot be
// attached by the embedded engine yet, so it must be declined with --no-stdin.
import type { Command } from 'commander';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { parseIndex, resolveProject, serviceContainer } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';
import { attachContainers } from '../progress/attach.js';

interface AttachFlags {
  index?: string;
  stdin: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

export function registerAttach(program: Command): void {
  program
    .command('attach')
    .description('Attach local standard input, output, and error streams to a service\'s running container')
    .argument('<service>', 'Service')
    .option('--index <index>', 'index of the container if service has multiple replicas')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy <bool>', 'Proxy all received signals to the process', (v) => v !== 'false', true)
    .option('--detach-keys <keys>', 'Override the key sequence for detaching from a container')
    .action(async (service: string, flags: AttachFlags, cmd: Command) => {
      if (flags.stdin) {
        throw new TscError('UNSUPPORTED', 'attach: the embedded engine cannot attach to a container\'s input yet: use `attach --no-stdin` for its output, or `exec -it` for a shell');
      }
      if (flags.detachKeys !== undefined) throw new TscError('UNSUPPORTED', 'attach --detach-keys: there is no input to detach from with --no-stdin; press Ctrl-C');
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      const interrupt = new AbortController();
      const onSigint = () => {
        if (flags.sigProxy) void engine.containers.kill(container.id, 'SIGINT').catch(() => undefined);
        else interrupt.abort();
      };
      let container: Awaited<ReturnType<typeof serviceContainer>>;
      try {
        container = await serviceContainer(engine, project, service, { index: parseIndex(flags.index) });
        if (!container.state.running) throw new TscError('CONTAINER_NOT_RUNNING', `You cannot attach to a stopped container, start it first`);
        process.on('SIGINT', onSigint);
        await attachContainers(engine, {
          project: project.name, containers: [{ id: container.id, name: container.name, service, since: new Date().toISOString() }],
          color: false, noPrefix: true, announceExit: false, signal: interrupt.signal,
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
        await engine.close();
      }
    });
}
