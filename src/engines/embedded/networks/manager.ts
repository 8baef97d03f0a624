// NetworkManager: the embedded engine's container networking (bridges, IPAM,
// sandboxes with veths, NAT, published ports). State-root-wide changes run
// under the global lock; records live under <root>/network/.
import type { PortBinding } from '../../../engine/types.js';
import { withGlobalLock } from '../state/lock.js';
import type { StateRoot } from '../state/root.js';
import { listLinks } from './commands.js';
import { openNetContext, type NetContext } from './context.js';
import { firewallBackend, removeChainsIfEmpty, type FirewallBackend } from './firewall.js';
import { deleteLink } from './links.js';
import { attachedTo, createNetworkLocked, removeNetworkLocked, removeNetworkParts, type CreateNetworkSpec } from './network-ops.js';
import { checkPortsFreeAll, checkPortsFreeFor, publishPortsLocked, unpublishPortsLocked, type PortsToCheck } from './port-ops.js';
import type { EndpointRecord, NetworkRecord } from './records.js';
import {
  connectSandbox, createSandboxLocked, destroySandboxLocked, disconnectLocked, renameEndpointLocked,
  type ConnectEndpoint, type ConnectResult, type SandboxInfo, type SandboxTeardownResult,
} from './sandbox-ops.js';
import { StepErrors } from './steps.js';
import { findNetworkDamage, readKernelNetState, repairNetworksLocked, type KernelNetState, type NetworkDamage } from './repair-networks.js';

export class NetworkManager {
  private readonly ctx: NetContext;
  private kernelState: Promise<KernelNetState> | undefined;

  constructor(root: StateRoot) {
    this.ctx = openNetContext(root);
  }

  /** Where the records are: `<root>/network`. */
  get recordsDir(): string {
    return this.ctx.records.dir;
  }

  firewallBackend(): Promise<FirewallBackend> {
    return firewallBackend();
  }

  private locked<T>(operation: string, fn: () => Promise<T> | T): Promise<T> {
    return withGlobalLock(this.ctx.root, operation, fn);
  }

  /** Creates a bridge network; with `external`, only looks it up (and fails if it is missing). */
  createNetwork(spec: CreateNetworkSpec): Promise<NetworkRecord> {
    return this.locked('create network', () => createNetworkLocked(this.ctx, spec));
  }

  getNetwork(name: string): NetworkRecord | undefined {
    return this.ctx.records.network(name);
  }

  listNetworks(): NetworkRecord[] {
    return this.ctx.records.networks();
  }

  /** Names of the containers with an endpoint on the network. */
  attachedTo(name: string): string[] {
    return attachedTo(this.ctx, name);
  }

  /** Whether the container has a sandbox or published ports to tear down. */
  hasNetworking(containerId: string): boolean {
    return this.ctx.records.sandbox(containerId) !== undefined || this.ctx.records.ports(containerId) !== undefined;
  }

  /** Ids of the containers that have a sandbox (a netns of ours). */
  sandboxIds(): string[] {
    return this.ctx.records.sandboxes().map((s) => s.containerId);
  }

  /**
   * Starts the reading of the kernel's state that repairNetworks needs, so
   * that its processes run while the caller goes on (loading the project).
   */
  readKernelStateEarly(): void {
    if (this.kernelState || this.ctx.records.networks().length === 0) return;
    this.kernelState = readKernelNetState();
    this.kernelState.catch(() => undefined); // awaited (and reported) by repairNetworks, if it runs
  }

  /**
   * Verifies each network's bridge (present, up, addressed) and firewall rules,
   * and puts back what is missing (under the global lock, taken only then).
   */
  async repairNetworks(): Promise<NetworkDamage[]> {
    const early = this.kernelState;
    this.kernelState = undefined;
    // What the early read missed (a network made meanwhile) is judged again, fresh, under the lock.
    if ((await findNetworkDamage(this.ctx, early)).length === 0) return [];
    return this.locked('repair networks', () => repairNetworksLocked(this.ctx));
  }

  /** Refuses while containers are attached. */
  removeNetwork(name: string): Promise<void> {
    return this.locked('remove network', () => removeNetworkLocked(this.ctx, name));
  }

  /** The named netns `tsc-<id12>`; idempotent. Its `lo` comes up with its first connect. */
  createSandbox(containerId: string, opts: { containerName?: string } = {}): Promise<SandboxInfo> {
    // No global lock: the record and the netns are this container's alone (its callers hold the container's lock).
    return createSandboxLocked(this.ctx, containerId, opts.containerName ?? '');
  }

  /** Only the address allocation holds the global lock: containers join networks in parallel. */
  connect(containerId: string, network: string, endpoint: ConnectEndpoint): Promise<ConnectResult> {
    return connectSandbox(this.ctx, (op, fn) => this.locked(op, fn), containerId, network, endpoint);
  }

  disconnect(containerId: string, network: string): Promise<void> {
    return this.locked('disconnect', () => disconnectLocked(this.ctx, containerId, network));
  }

  /** Unpublishes the ports, deletes the veths and the netns, releases the addresses; says how the veths went (undefined: no sandbox). */
  async destroySandbox(containerId: string): Promise<SandboxTeardownResult | undefined> {
    const steps = new StepErrors();
    if (this.ctx.records.ports(containerId)) await steps.run(() => this.locked('unpublish ports', () => unpublishPortsLocked(this.ctx, containerId)));
    // Unlocked: deleting a veth waits for the kernel (~20 ms); those of several containers overlap.
    let result: SandboxTeardownResult | undefined;
    await steps.run(async () => (result = await destroySandboxLocked(this.ctx, containerId)));
    steps.throwFirst();
    return result;
  }

  /**
   * Notes that the container's run is in `peerId`'s network namespace (that
   * peer's sandbox, or the one the peer joined in turn): while it runs, the
   * sandbox's teardown deletes its veths at once (the namespace outlives its name).
   * No global lock: the record is this container's alone.
   */
  joinSandbox(containerId: string, peerId: string): void {
    const { records } = this.ctx;
    const sandbox = records.sandbox(peerId) ? peerId : records.join(peerId)?.sandbox;
    if (sandbox) records.saveJoin({ containerId, sandbox });
  }

  /** The container's run left the namespace it joined. */
  leaveSandbox(containerId: string): void {
    this.ctx.records.deleteJoin(containerId);
  }

  /** Ids of the containers noted as in another's namespace. */
  joinedIds(): string[] {
    return this.ctx.records.joins().map((j) => j.containerId);
  }

  /** A renamed container's endpoint: its DNS names follow (the agent must reload). False when it has none. */
  renameEndpoint(containerId: string, from: string, to: string): Promise<boolean> {
    return this.locked('rename endpoint', () => renameEndpointLocked(this.ctx, containerId, from, to));
  }

  endpoints(containerId: string): EndpointRecord | undefined {
    return this.ctx.records.endpoint(containerId);
  }

  /** Resolves empty host ports to free ones and adds the DNAT rules; returns the bindings as published. */
  publishPorts(containerId: string, containerIp: string, bindings: PortBinding[]): Promise<PortBinding[]> {
    return this.locked('publish ports', () => publishPortsLocked(this.ctx, containerId, containerIp, bindings));
  }

  unpublishPorts(containerId: string): Promise<void> {
    return this.locked('unpublish ports', () => unpublishPortsLocked(this.ctx, containerId));
  }

  /** Throws `port 8080 is already in use by nginx (pid 1234): …` for the first fixed host port taken. */
  checkPortsFree(bindings: PortBinding[], opts: { exceptContainer?: string } = {}): void {
    checkPortsFreeFor(this.ctx, bindings, opts.exceptContainer);
  }

  /**
   * Checks the fixed host ports of several containers at once, before any of
   * them is made: against listening sockets, our published ports (but those
   * of `exceptContainers`, about to be replaced) and each other.
   */
  checkPortsFreeAll(containers: PortsToCheck[], opts: { exceptContainers?: string[] } = {}): void {
    checkPortsFreeAll(this.ctx, containers, opts.exceptContainers ?? []);
  }

  /**
   * Removes everything of this state root: sandboxes, ports, networks, links
   * marked as ours whose records are lost, and our chains once no state root
   * uses them. Goes on after a failure and throws the first.
   */
  teardownAll(): Promise<void> {
    return this.locked('network teardown', async () => {
      const { records } = this.ctx;
      const steps = new StepErrors();
      for (const p of records.allPorts()) await steps.run(() => unpublishPortsLocked(this.ctx, p.containerId));
      for (const s of records.sandboxes()) await steps.run(() => destroySandboxLocked(this.ctx, s.containerId));
      for (const j of records.joins()) records.deleteJoin(j.containerId);
      for (const n of records.networks()) await steps.run(() => removeNetworkParts(this.ctx, n));
      await steps.run(async () => {
        for (const l of await listLinks()) if (l.ifalias === this.ctx.linkAlias) await deleteLink(l.ifname);
      });
      await steps.run(() => removeChainsIfEmpty());
      steps.throwFirst();
    });
  }
}

export type { ConnectEndpoint, ConnectResult, SandboxInfo, SandboxTeardownResult, VethRemoval } from './sandbox-ops.js';
export type { CreateNetworkSpec } from './network-ops.js';
export type { EndpointRecord, EndpointEntry, NetworkRecord } from './records.js';
export type { FirewallBackend } from './firewall.js';
export type { NetworkDamage } from './repair-networks.js';
