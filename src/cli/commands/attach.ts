// `tscompose attach SERVICE`: the service's running container's output from now
// on and, when it keeps its input open (stdin_open), our input to it, until it
// stops or the detach keys (ctrl-p,ctrl-q) are typed. Without a TTY Ctrl-C is
// passed to it (--sig-proxy), or detaches with --sig-proxy=false.
import type { Command } from 'commander';
import { parseDetachKeys } from '../../engine/detach-keys.js';
import { ExitCodeError, TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { parseIndex, resolveProject, serviceContainer } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';
import { attachInteractive } from '../progress/interactive.js';

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
      if (flags.detachKeys !== undefined) parseDetachKeys(flags.detachKeys);
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      try {
        const container = await serviceContainer(engine, project, service, { index: parseIndex(flags.index) });
        if (!container.state.running) throw new TscError('CONTAINER_NOT_RUNNING', 'You cannot attach to a stopped container, start it first');
        const details = await engine.containers.inspect(container.id);
        const tty = details?.spec.tty === true;
        const { detached, interrupted } = await attachInteractive(engine, container.id, { tty, stdin: flags.stdin, detachKeys: flags.detachKeys, sigProxy: flags.sigProxy && !tty });
        if (interrupted) throw new ExitCodeError(130);
        // As docker attach: the container's exit code, when it ended while attached.
        if (!detached) {
          const code = await engine.containers.wait(container.id);
          if (code !== 0) throw new ExitCodeError(code);
        }
      } finally {
        await engine.close();
      }
    });
}
