// Containers on a Docker Engine: the ContainerService over /containers and /exec.
import { Writable, type Duplex } from 'node:stream';
import type {
  AttachOptions, AttachSession, CopyOptions, FileSync,
  ContainerDetails, ContainerFilter, ContainerService, ContainerSpec, ContainerSummary, ExecSpec, ExecStdio, LogEntry, LogOptions,
} from '../../engine/types.js';
import { TscError } from '../../util/errors.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../engine/detach-keys.js';
import { DockerApiError, type DockerClient } from './client.js';
import { buildCreateRequest } from './container-create.js';
import { detailsFromInspect, summaryFromList, type ApiContainerInspect, type ApiContainerListItem } from './container-view.js';
import { copyFromContainer, copyToContainer, syncToContainer } from './copy.js';
import { FrameDecoder, LineSplitter, splitTimestamp } from './multiplex.js';

const PROJECT_LABEL = 'com.docker.compose.project';
const SERVICE_LABEL = 'com.docker.compose.service';

const path = (id: string, rest = '') => `/containers/${encodeURIComponent(id)}${rest}`;

/** Filters of the list APIs: `label=k=v` / `label=k`, `name=…`. */
export function labelFilters(labels: Record<string, string | undefined> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
}

export class DockerContainerService implements ContainerService {
  constructor(private readonly client: DockerClient) {}

  async create(spec: ContainerSpec): Promise<string> {
    const { body, connect } = buildCreateRequest(spec, await this.resolveLinks(spec));
    const created = await this.client.json<{ Id: string }>('POST', '/containers/create', { query: { name: spec.name }, body });
    try {
      for (const { network, endpoint } of connect) {
        await this.client.json('POST', `/networks/${encodeURIComponent(network)}/connect`, { body: { Container: created.Id, EndpointConfig: endpoint } });
      }
    } catch (error) {
      await this.remove(created.Id, { force: true }).catch(() => undefined);
      throw error;
    }
    return created.Id;
  }

  /** links name a service (alias → service): Docker links name containers, so each container of that service. */
  private async resolveLinks(spec: ContainerSpec): Promise<string[]> {
    const project = spec.labels[PROJECT_LABEL];
    const out: string[] = [];
    for (const [alias, target] of Object.entries(spec.links ?? {})) {
      const of = project ? await this.list({ all: true, labels: { [PROJECT_LABEL]: project, [SERVICE_LABEL]: target } }) : [];
      if (of.length === 0) out.push(`${target}:${alias}`);
      for (const c of of) out.push(`${c.name}:${alias}`);
    }
    return out;
  }

  async start(id: string): Promise<void> {
    await this.client.json('POST', path(id, '/start'));
  }

  async stop(id: string, opts: { timeoutSeconds?: number; signal?: string } = {}): Promise<void> {
    if (opts.signal) {
      // 1.41 has no signal on stop: send it, then stop with the timeout (SIGKILL after it).
      await this.kill(id, opts.signal).catch((e) => { if (!(e instanceof DockerApiError && e.statusCode === 409)) throw e; });
    }
    await this.client.json('POST', path(id, '/stop'), { query: { t: opts.timeoutSeconds } });
  }

  async kill(id: string, signal?: string): Promise<void> {
    await this.client.json('POST', path(id, '/kill'), { query: { signal } });
  }

  async remove(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    try {
      await this.client.json('DELETE', path(id), { query: { force: opts.force, v: opts.volumes } });
    } catch (error) {
      // Already gone, or being removed by the daemon (--rm, another command): what was asked is done.
      if (error instanceof DockerApiError && (error.statusCode === 404 || /already in progress/.test(error.message))) return;
      throw error;
    }
  }

  async rename(id: string, name: string): Promise<void> {
    await this.client.json('POST', path(id, '/rename'), { query: { name } });
  }

  async pause(id: string): Promise<void> {
    await this.client.json('POST', path(id, '/pause'));
  }

  async unpause(id: string): Promise<void> {
    await this.client.json('POST', path(id, '/unpause'));
  }

  async list(filter: ContainerFilter = {}): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = {};
    const labels = labelFilters(filter.labels);
    if (labels.length) filters.label = labels;
    if (filter.names?.length) filters.name = filter.names.map((n) => `^/?${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const items = await this.client.json<ApiContainerListItem[]>('GET', '/containers/json', { query: { all: filter.all ?? false, filters } });
    // The list has no start/finish times, restart count or health log: each is inspected (in parallel).
    const details = await Promise.all(items.map((c) => this.inspect(c.Id)));
    return items.flatMap((c, i) => {
      const d = details[i];
      if (!d) return [];
      const { spec: _s, path: _p, args: _a, logPath: _l, mounts: _m, network: _n, ...summary } = d;
      return [{ ...summaryFromList(c), state: summary.state, created: summary.created }];
    });
  }

  async inspect(id: string): Promise<ContainerDetails | undefined> {
    const c = await this.client.maybe<ApiContainerInspect>('GET', path(id, '/json'));
    return c && detailsFromInspect(c);
  }

  async *logs(id: string, opts: LogOptions = {}): AsyncIterable<LogEntry> {
    const info = await this.client.json<ApiContainerInspect>('GET', path(id, '/json'));
    const res = await this.client.stream('GET', path(id, '/logs'), {
      query: {
        stdout: true, stderr: true, timestamps: true, follow: opts.follow ?? false,
        tail: opts.tail === undefined ? 'all' : opts.tail, since: unixTime(opts.since), until: unixTime(opts.until),
      },
      signal: opts.signal,
    });
    const lines = new LineSplitter<'stdout' | 'stderr'>();
    const decoder = info.Config.Tty ? undefined : new FrameDecoder();
    const entry = (stream: 'stdout' | 'stderr', raw: string): LogEntry => ({ ...splitTimestamp(raw), stream });
    try {
      for await (const chunk of res) {
        const frames = decoder ? decoder.push(chunk as Buffer) : [{ stream: 'stdout' as const, data: chunk as Buffer }];
        for (const f of frames) {
          const stream = f.stream === 'stderr' ? 'stderr' : 'stdout';
          for (const line of lines.push(stream, f.data)) yield entry(stream, line.replace(/\r$/, ''));
        }
      }
    } catch (error) {
      if (!opts.signal?.aborted) throw error;
    }
    for (const [stream, line] of lines.flush()) yield entry(stream, line);
  }

  async wait(id: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
    const r = await this.client.json<{ StatusCode: number }>('POST', path(id, '/wait'), { query: { condition: 'not-running' }, signal: opts.signal });
    return r.StatusCode;
  }

  async exec(id: string, spec: ExecSpec, stdio: ExecStdio): Promise<number> {
    const attachStdin = Boolean(spec.interactive && stdio.stdin && !spec.detach);
    const created = await this.client.json<{ Id: string }>('POST', path(id, '/exec'), {
      body: {
        Cmd: spec.cmd, Env: spec.env && Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), User: spec.user, WorkingDir: spec.workingDir,
        Tty: spec.tty ?? false, Privileged: spec.privileged ?? false,
        AttachStdin: attachStdin, AttachStdout: !spec.detach, AttachStderr: !spec.detach,
      },
    });
    const execPath = `/exec/${created.Id}`;
    if (spec.detach) {
      await this.client.json('POST', `${execPath}/start`, { body: { Detach: true, Tty: spec.tty ?? false } });
      return 0;
    }
    const socket = await this.client.hijack(`${execPath}/start`, { body: { Detach: false, Tty: spec.tty ?? false } });
    await pumpExec(socket, Boolean(spec.tty), attachStdin ? stdio.stdin : undefined, stdio);
    const r = await this.client.json<{ ExitCode: number | null; Running: boolean }>('GET', `${execPath}/json`);
    return r.ExitCode ?? 0;
  }

  /** The attach API on a hijacked connection; the daemon itself watches for the detach keys. */
  async attach(id: string, opts: AttachOptions): Promise<AttachSession> {
    const detachKeys = opts.detachKeys ?? DEFAULT_DETACH_KEYS;
    parseDetachKeys(detachKeys);
    const info = await this.inspect(id);
    if (!info) throw new TscError('NO_SUCH_CONTAINER', `No such container: ${id}`);
    if (!opts.start && info.state.paused) throw new TscError('CONTAINER_PAUSED', 'You cannot attach to a paused container, unpause it first');
    if (!opts.start && !info.state.running) throw new TscError('CONTAINER_NOT_RUNNING', 'You cannot attach to a stopped container, start it first');
    const tty = info.spec.tty === true;
    const stdin = info.spec.stdinOpen ? opts.stdin : undefined;
    const socket = await this.client.hijack(path(id, '/attach'), { query: { stream: 1, stdin: stdin ? 1 : 0, stdout: 1, stderr: 1, detachKeys } });
    const resize = async (size: { rows: number; columns: number }) => {
      if (tty) await this.client.json('POST', path(id, '/resize'), { query: { h: size.rows, w: size.columns } }).catch(() => undefined);
    };
    try {
      if (opts.start) await this.start(id);
      if (opts.size) await resize(opts.size);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    const ended = pumpExec(socket, tty, stdin, opts);
    // The daemon ends the stream on the detach keys as at the container's end: a container still running was detached from.
    const done = ended.then(async () => ({ detached: (await this.inspect(id))?.state.running === true }));
    return { done, resize, close: () => socket.destroy() };
  }

  async top(id: string): Promise<{ titles: string[]; processes: string[][] }> {
    const r = await this.client.json<{ Titles: string[]; Processes: string[][] | null }>('GET', path(id, '/top'));
    return { titles: r.Titles, processes: r.Processes ?? [] };
  }

  async copyTo(id: string, hostPath: string, containerPath: string, opts?: CopyOptions): Promise<void> {
    await copyToContainer(this.client, id, hostPath, containerPath, opts);
  }

  async syncFiles(id: string, changes: readonly FileSync[]): Promise<{ copied: number; deleted: number }> {
    return syncToContainer(this.client, id, changes, async (paths) => {
      const chunks: Buffer[] = [];
      const out = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk); done(); } });
      const code = await this.exec(id, { cmd: ['rm', '-rf', '--', ...paths] }, { stdout: out, stderr: out });
      if (code !== 0) throw new TscError('SYNC_FAILED', `removing ${paths.join(', ')} in the container failed (exit ${code}): ${Buffer.concat(chunks).toString().trim()}`);
    });
  }

  async copyFrom(id: string, containerPath: string, hostPath: string, opts?: CopyOptions): Promise<void> {
    // The archive API sends a symlink as the link; following it is the docker CLI's own work, not done here.
    if (opts?.followLink) throw new TscError('CLI_USAGE', 'cp -L from a container is not supported with --engine docker: copy the link\'s target path instead');
    const info = await this.inspect(id);
    if (!info) throw new TscError('NO_SUCH_CONTAINER', `No such container: ${id}`);
    await copyFromContainer(this.client, id, containerPath, hostPath, info.name, opts);
  }
}

/** An RFC 3339 time or a Unix time as the API's seconds (with fraction). */
function unixTime(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new TscError('CLI_USAGE', `invalid time "${value}"`);
  return (t / 1000).toFixed(3);
}

/** Copies the exec's output (demultiplexed unless a TTY) to stdout/stderr and stdin to it, until the output ends. */
function pumpExec(socket: Duplex, tty: boolean, stdin: NodeJS.ReadableStream | undefined, stdio: ExecStdio): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = tty ? undefined : new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      if (!decoder) return void stdio.stdout.write(chunk);
      for (const f of decoder.push(chunk)) (f.stream === 'stderr' ? stdio.stderr : stdio.stdout).write(f.data);
    });
    const done = () => {
      // The exec is over: the connection goes (an upgraded socket belongs to no agent that would close it).
      socket.destroy();
      if (stdin) {
        stdin.unpipe(socket as unknown as NodeJS.WritableStream);
        (stdin as NodeJS.ReadableStream & { pause?: () => void }).pause?.();
      }
      resolve();
    };
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', reject);
    if (stdin) {
      stdin.on('end', () => (socket as Duplex & { end: () => void }).end());
      stdin.pipe(socket as unknown as NodeJS.WritableStream, { end: false });
    }
    // Without stdin nothing is sent, and the connection is not half-closed: not every TLS peer keeps a half-closed connection.
  });
}
