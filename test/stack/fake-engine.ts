// An in-memory Engine for planner and executor tests: records every call,
// can be told to fail an operation on a name.
import type {
  ContainerSpec, ContainerStatus, ContainerSummary, Engine, NetworkDetails, NetworkSpec, VolumeDetails, VolumeSpec,
} from '../../src/engine/types.js';
import { TscError } from '../../src/util/errors.js';

interface FakeContainer {
  id: string;
  spec: ContainerSpec;
  status: ContainerStatus;
  created: string;
}

export class FakeEngine implements Engine {
  readonly name = 'embedded' as const;
  readonly calls: string[] = [];
  readonly containersById = new Map<string, FakeContainer>();
  readonly networkMap = new Map<string, NetworkDetails>();
  readonly volumeMap = new Map<string, VolumeDetails>();
  /** `start web-1` style keys that throw. */
  readonly failures = new Set<string>();
  /** Told each call as it is made (before it takes effect). */
  onCall?: (call: string) => void;
  private seq = 0;

  private record(op: string, name: string): void {
    this.calls.push(`${op} ${name}`);
    this.onCall?.(`${op} ${name}`);
    if (this.failures.has(`${op} ${name}`)) throw new TscError('FAKE_FAILURE', `${op} ${name} failed`);
  }

  private byId(id: string): FakeContainer {
    const c = this.containersById.get(id) ?? [...this.containersById.values()].find((x) => x.spec.name === id);
    if (!c) throw new Error(`no such container: ${id}`);
    return c;
  }

  readonly containers: Engine['containers'] = {
    create: async (spec) => {
      if ([...this.containersById.values()].some((c) => c.spec.name === spec.name)) throw new Error(`name in use: ${spec.name}`);
      this.record('create', spec.name);
      const id = `id${++this.seq}`.padEnd(12, '0');
      this.containersById.set(id, { id, spec, status: 'created', created: new Date(this.seq * 1000).toISOString() });
      return id;
    },
    start: async (id) => { const c = this.byId(id); this.record('start', c.spec.name); c.status = 'running'; },
    stop: async (id) => { const c = this.byId(id); this.record('stop', c.spec.name); if (c.status !== 'created') c.status = 'exited'; },
    kill: async (id, signal) => { const c = this.byId(id); this.record(`kill-${signal}`, c.spec.name); c.status = 'exited'; },
    remove: async (id) => { const c = this.byId(id); this.record('remove', c.spec.name); this.containersById.delete(c.id); },
    rename: async (id, name) => {
      const c = this.byId(id);
      if ([...this.containersById.values()].some((x) => x.spec.name === name)) throw new Error(`name in use: ${name}`);
      this.record('rename', `${c.spec.name} ${name}`);
      c.spec = { ...c.spec, name };
    },
    pause: async (id) => { const c = this.byId(id); this.record('pause', c.spec.name); c.status = 'paused'; },
    unpause: async (id) => { const c = this.byId(id); this.record('unpause', c.spec.name); c.status = 'running'; },
    list: async (filter) => [...this.containersById.values()]
      .filter((c) => !filter?.names || filter.names.includes(c.spec.name))
      .filter((c) => Object.entries(filter?.labels ?? {}).every(([k, v]) => k in c.spec.labels && (v === undefined || c.spec.labels[k] === v)))
      .map((c) => this.summary(c)),
    inspect: async () => undefined,
    logs: () => (async function* () { /* no logs */ })(),
    wait: async () => 0,
    exec: async () => 0,
    attach: async () => ({ done: Promise.resolve({ detached: false }), resize: async () => undefined, close: () => undefined }),
    top: async () => ({ titles: [], processes: [] }),
    copyTo: async () => undefined,
    copyFrom: async () => undefined,
    syncFiles: async () => ({ copied: 0, deleted: 0 }),
  };

  readonly networks: Engine['networks'] = {
    create: async (spec: NetworkSpec) => {
      this.record('network-create', spec.name);
      const n = { id: spec.name, name: spec.name, driver: 'bridge', labels: spec.labels ?? {}, internal: false, subnets: [] };
      this.networkMap.set(spec.name, n);
      return n;
    },
    inspect: async (name) => this.networkMap.get(name),
    list: async (filter) => [...this.networkMap.values()].filter((n) => matches(n.labels, filter?.labels)),
    remove: async (name) => { this.record('network-remove', name); this.networkMap.delete(name); },
  };

  readonly volumes: Engine['volumes'] = {
    create: async (spec: VolumeSpec) => {
      this.record('volume-create', spec.name);
      const v = { name: spec.name, driver: 'local', mountpoint: `/fake/${spec.name}`, labels: spec.labels ?? {}, created: '', options: {} };
      this.volumeMap.set(spec.name, v);
      return v;
    },
    inspect: async (name) => this.volumeMap.get(name),
    list: async (filter) => [...this.volumeMap.values()].filter((v) => matches(v.labels, filter?.labels)),
    remove: async (name) => { this.record('volume-remove', name); this.volumeMap.delete(name); },
  };

  readonly images = {} as Engine['images'];

  async lockProject(project: string, command: string): Promise<() => Promise<void>> {
    this.calls.push(`lock ${project} ${command}`);
    return async () => { this.calls.push(`unlock ${project}`); };
  }

  async close(): Promise<void> {}

  private summary(c: FakeContainer): ContainerSummary {
    const running = c.status === 'running' || c.status === 'paused';
    return {
      id: c.id, name: c.spec.name, image: c.spec.image, imageId: 'sha256:fake', labels: c.spec.labels, created: c.created, ports: [], command: [],
      state: { status: c.status, running, paused: c.status === 'paused', restarting: false, pid: running ? 1 : 0, exitCode: 0, startedAt: '', finishedAt: '', restartCount: 0 },
    };
  }
}

function matches(labels: Record<string, string>, want?: Record<string, string | undefined>): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => k in labels && (v === undefined || labels[k] === v));
}
