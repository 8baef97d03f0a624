// The agent's DNS service: records rebuilt from <root>/network/ whenever it
// changes, and a listener on each network's gateway. A gateway that cannot be
// bound yet (its bridge is still being made) is tried again on each rescan.
import { join } from 'node:path';
import { DnsRecords } from '../dns/records.js';
import { HOST_RESOLV_CONF, readHostResolvConf, type Upstream } from '../dns/resolv-conf.js';
import { DnsServer } from '../dns/server.js';
import { networkStateDir, readNetworkState } from '../dns/state-files.js';
import type { AgentLog, AgentService } from './agent.js';
import { DirWatcher } from './watch.js';
import { Coalescer } from '../../../util/coalesce.js';

export interface DnsServiceOptions {
  root: string;
  log: AgentLog;
  /** Default 53. */
  port?: number;
  /** Forward here instead of to the host's resolv.conf servers (tests). */
  upstreams?: Upstream[];
  resolvConf?: string;
  rescanMs?: number;
  forwardTimeoutMs?: number;
}

export class DnsService implements AgentService {
  readonly name = 'dns';
  private records = new DnsRecords([], []);
  private upstreams: Upstream[] = [];
  private readonly server: DnsServer;
  private readonly watcher: DirWatcher;
  private readonly failed = new Map<string, string>();
  private counts = { networks: 0, endpoints: 0, rebuilds: 0, unchanged: 0 };
  /** The watcher's fingerprint of the state files the last rebuild read. */
  private built: string | undefined;
  /** Rebuilds in batches: a burst of reloads (one per container an `up` starts) costs two rebuilds. */
  private readonly rebuilds = new Coalescer(async () => {
    try {
      if (await this.rebuild()) this.counts.rebuilds++;
      else this.counts.unchanged++;
    } catch (error) {
      this.opts.log(`dns: reload failed: ${(error as Error).message}`);
    }
  });
  /** Containers wait for this reload before they run (their names must resolve): `reload` awaits it. */
  readonly reloadAwaited = true;

  constructor(private readonly opts: DnsServiceOptions) {
    this.server = new DnsServer({
      port: opts.port,
      records: () => this.records,
      upstreams: () => this.upstreams,
      forwardTimeoutMs: opts.forwardTimeoutMs,
      log: opts.log,
    });
    const dir = networkStateDir(opts.root);
    this.watcher = new DirWatcher({
      dirs: [dir, join(dir, 'networks'), join(dir, 'endpoints')],
      files: [opts.resolvConf ?? HOST_RESOLV_CONF],
      rescanMs: opts.rescanMs,
      onChange: () => void this.reload(),
      onTick: () => {
        if (this.failed.size) void this.reload();
      },
    });
  }

  async start(): Promise<void> {
    await this.reload();
    this.watcher.start();
  }

  async stop(): Promise<void> {
    this.watcher.stop();
    await this.rebuilds.idle();
    await this.server.close();
  }

  /** Resolves once a rebuild that started after this call is done. */
  reload(): Promise<void> {
    return this.rebuilds.request();
  }

  status(): unknown {
    return {
      port: this.server.port,
      listeners: this.server.addresses().map((a) => a.host),
      failed: Object.fromEntries(this.failed),
      upstreams: this.server.upstreams().map((u) => `${u.host}:${u.port}`),
      ...this.counts,
    };
  }

  /**
   * False when nothing changed since the last rebuild: a burst of reloads (each container an `up`
   * starts, the exit hooks of a `down`) would otherwise read and index every endpoint file each time.
   * The fingerprint is taken before the files are read, so a change made meanwhile is read again.
   */
  private async rebuild(): Promise<boolean> {
    const seen = this.watcher.fingerprint();
    if (seen === this.built && this.failed.size === 0) return false;
    this.built = undefined;
    const state = readNetworkState(this.opts.root);
    for (const s of state.skipped) this.opts.log(`dns: skipped ${s}`);
    const conf = readHostResolvConf(this.opts.resolvConf);
    this.upstreams = this.opts.upstreams ?? conf.nameservers.map((host) => ({ host, port: 53 }));
    this.records = new DnsRecords(state.networks, state.endpoints, { searchDomains: conf.search });
    this.counts = { ...this.counts, networks: state.networks.length, endpoints: state.endpoints.length };

    const want = new Set(this.records.gateways().map((g) => g.address));
    for (const { host } of this.server.addresses()) {
      if (want.has(host)) continue;
      await this.server.unlisten(host);
      this.opts.log(`dns: stopped listening on ${host}:${this.server.port}`);
    }
    for (const address of this.failed.keys()) if (!want.has(address)) this.failed.delete(address);
    for (const address of want) {
      if (this.server.has(address)) continue;
      try {
        await this.server.listen(address);
        this.failed.delete(address);
        this.opts.log(`dns: listening on ${address}:${this.server.port}`);
      } catch (error) {
        const message = (error as Error).message;
        if (this.failed.get(address) !== message) this.opts.log(`dns: cannot listen on ${address}:${this.server.port} yet: ${message}`);
        this.failed.set(address, message);
      }
    }
    this.built = seen;
    return true;
  }
}
