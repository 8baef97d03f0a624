// `tscompose port`: the public address of a container port.
import type { Command } from 'commander';
import { TscError } from '../../util/errors.js';
import { openEngine } from '../context.js';
import { parseIndex, resolveProject, serviceContainer } from '../format/project-containers.js';
import type { GlobalOptions } from '../global-options.js';

interface PortOptions {
  protocol: string;
  index?: string;
}

export function registerPort(program: Command): void {
  program
    .command('port')
    .description('List port mappings or print the public port for a specific mapping for the service')
    .argument('<service>', 'Service')
    .argument('[private_port]', 'Container port')
    .option('--protocol <protocol>', 'tcp or udp', 'tcp')
    .option('--index <index>', 'Index of the container if service has multiple replicas')
    .action(async (service: string, privatePort: string | undefined, opts: PortOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      const project = resolveProject(globals);
      const engine = await openEngine(globals);
      try {
        const container = await serviceContainer(engine, project, service, { index: parseIndex(opts.index) });
        const protocol = opts.protocol.toLowerCase();
        const published = container.ports.filter((p) => p.hostPort);
        const address = (hostIp: string | undefined, hostPort: string) => `${hostIp && hostIp.includes(':') ? `[${hostIp}]` : hostIp || '0.0.0.0'}:${hostPort}`;
        if (privatePort === undefined) {
          process.stdout.write(published.map((p) => `${p.containerPort}/${p.protocol} -> ${address(p.hostIp, p.hostPort!)}\n`).join(''));
          return;
        }
        const port = Number(privatePort);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TscError('CLI_USAGE', `invalid port "${privatePort}": give a container port number`);
        const found = published.find((p) => p.containerPort === port && p.protocol === protocol);
        if (!found) throw new TscError('NO_SUCH_PORT', `no port ${port}/${protocol} for container ${container.name}`);
        process.stdout.write(`${address(found.hostIp, found.hostPort!)}\n`);
      } finally {
        await engine.close();
      }
    });
}
