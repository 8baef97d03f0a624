// `rename`: a container answers to a new name, running or not. The record and
// the name index change under the container's lock; a running container's
// DNS names (its endpoint records, which the agent reads) follow, as Docker's
// rename does. Its id, labels, hostname and /etc/hosts stay: none holds the name.
import { renameRecord, resolveContainerId, updateState } from '../state/containers.js';
import { swapName } from '../networks/sandbox-ops.js';
import { withContainerLock, type ContainerContext } from './context.js';
import { stateExtra } from './layout.js';

export async function renameContainer(ctx: ContainerContext, ref: string, newName: string): Promise<void> {
  const id = resolveContainerId(ctx.root, ref);
  await withContainerLock(ctx, id, 'rename container', async () => {
    const { from, to } = renameRecord(ctx.root, id, newName);
    if (!(await ctx.network.renameEndpoint(id, from, to))) return;
    await updateState(ctx.root, id, (s) => {
      const network = stateExtra(s.extra).network;
      if (!network) return s;
      const networks = Object.fromEntries(Object.entries(network.networks)
        .map(([net, ep]) => [net, { ...ep, dnsNames: swapName(ep.dnsNames ?? [], from, to) }]));
      return { ...s, extra: { ...s.extra, network: { ...network, networks } } };
    });
    await ctx.ensureDns();
  });
}
