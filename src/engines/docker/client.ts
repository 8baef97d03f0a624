// A thin typed client of the Docker Engine API on node:http: JSON calls,
// streamed bodies, and hijacked connections (exec). Every request names API
// version 1.41 (Docker 20.10), which every newer daemon still serves.
import { Agent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { TscError } from '../../util/errors.js';
import type { DockerEndpoint } from './host.js';
import { connectOverSsh } from './ssh.js';

export const API_VERSION = '1.41';

export class DockerApiError extends TscError {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(statusCode === 404 ? 'DOCKER_NOT_FOUND' : statusCode === 409 ? 'DOCKER_CONFLICT' : 'DOCKER_API', message);
    this.statusCode = statusCode;
  }
}

export type Query = Record<string, string | number | boolean | undefined | string[] | object>;

export interface CallOptions {
  query?: Query;
  /** An object is sent as JSON; a Buffer or stream as is (Content-Type from headers). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'boolean') params.set(key, value ? '1' : '0');
    else if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else if (typeof value === 'object') params.set(key, JSON.stringify(value));
    else params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export class DockerClient {
  readonly endpoint: DockerEndpoint;
  private readonly agent: Agent;
  private readonly base: RequestOptions;
  private readonly secure: boolean;
  /** Sockets and ssh tunnels have no host name: `docker`, as the docker CLI sends. Over TCP Node's own (TLS checks the name). */
  private readonly hostHeader: Record<string, string>;

  constructor(endpoint: DockerEndpoint) {
    this.endpoint = endpoint;
    this.secure = endpoint.kind === 'tcp' && endpoint.tls !== undefined;
    this.hostHeader = endpoint.kind === 'tcp' ? {} : { Host: 'docker' };
    if (endpoint.kind === 'unix') {
      this.agent = new Agent({ keepAlive: true });
      this.base = { socketPath: endpoint.socketPath };
    } else if (endpoint.kind === 'tcp') {
      const tls = endpoint.tls;
      this.agent = tls
        ? new HttpsAgent({
          keepAlive: true,
          ca: tls.ca ? readFileSync(tls.ca) : undefined,
          cert: tls.cert ? readFileSync(tls.cert) : undefined,
          key: tls.key ? readFileSync(tls.key) : undefined,
          rejectUnauthorized: tls.verify,
        })
        : new Agent({ keepAlive: true });
      this.base = { host: endpoint.host, port: endpoint.port };
    } else {
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      const target = endpoint;
      (agent as unknown as { createConnection: () => Duplex }).createConnection = () => connectOverSsh(target);
      this.agent = agent;
      this.base = { host: 'docker' };
    }
  }

  /** The raw response, whatever its status. */
  request(method: string, path: string, opts: CallOptions = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const { body, headers } = prepareBody(opts.body, opts.headers);
      const send = this.secure ? httpsRequest : httpRequest;
      const req = send({
        ...this.base, agent: this.agent, method, path: `/v${API_VERSION}${path}${encodeQuery(opts.query)}`,
        headers: { ...this.hostHeader, ...headers }, signal: opts.signal,
      }, resolve);
      req.on('error', (e) => reject(this.connectionError(e)));
      if (isPipeable(body)) {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      } else {
        req.end(body);
      }
    });
  }

  /** A JSON call: rejects with DockerApiError on a status of 400 or more. */
  async json<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    const text = await readText(res);
    if ((res.statusCode ?? 500) >= 400) throw apiError(res.statusCode ?? 500, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Like json, but undefined on 404. */
  async maybe<T>(method: string, path: string, opts: CallOptions = {}): Promise<T | undefined> {
    try {
      return await this.json<T>(method, path, opts);
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A streamed body (logs, events, image save, build output); rejects on an error status. */
  async stream(method: string, path: string, opts: CallOptions = {}): Promise<IncomingMessage> {
    const res = await this.request(method, path, opts);
    if ((res.statusCode ?? 500) >= 400) throw apiError(res.statusCode ?? 500, await readText(res));
    return res;
  }

  /**
   * A call whose JSON-lines body reports progress and errors (`{"error": …}`
   * with a 200 status): rejects on the first error, resolves with every message.
   */
  async progress(method: string, path: string, opts: CallOptions & { onMessage?: (m: ProgressMessage) => void } = {}): Promise<ProgressMessage[]> {
    const res = await this.stream(method, path, opts);
    const messages: ProgressMessage[] = [];
    let rest = '';
    const handle = (line: string) => {
      if (!line.trim()) return;
      const m = JSON.parse(line) as ProgressMessage;
      messages.push(m);
      opts.onMessage?.(m);
    };
    for await (const chunk of res) {
      rest += (chunk as Buffer).toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      lines.forEach(handle);
    }
    handle(rest);
    const failed = messages.find((m) => m.error || m.errorDetail);
    if (failed) throw new DockerApiError(500, failed.errorDetail?.message ?? failed.error ?? 'failed');
    return messages;
  }

  /** An upgraded connection (exec start, attach): the socket carries the raw stream both ways. */
  hijack(path: string, opts: CallOptions = {}): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const { body, headers } = prepareBody(opts.body, opts.headers);
      const send = this.secure ? httpsRequest : httpRequest;
      const req = send({
        // Through the agent (its connections: unix, TLS or ssh); an upgraded socket leaves the agent's pool.
        ...this.base, agent: this.agent, method: 'POST', path: `/v${API_VERSION}${path}${encodeQuery(opts.query)}`,
        headers: { ...this.hostHeader, ...headers, Connection: 'Upgrade', Upgrade: 'tcp' },
      });
      req.on('upgrade', (_res, socket, head) => {
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => {
        // No upgrade: an error status, or an old daemon that answers 200 and streams the body.
        if ((res.statusCode ?? 500) >= 400) readText(res).then((t) => reject(apiError(res.statusCode ?? 500, t)), reject);
        else resolve(responseAsDuplex(res));
      });
      req.on('error', (e) => reject(this.connectionError(e)));
      req.end(body as Buffer | undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private connectionError(e: Error & { code?: string }): Error {
    if (e.name === 'AbortError') return e;
    if (e instanceof TscError) return e;
    const hint = e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
      ? ': is the Docker daemon running? (DOCKER_HOST, or --engine embedded for no daemon)'
      : '';
    return new TscError('DOCKER_UNREACHABLE', `cannot connect to the Docker daemon at ${this.endpoint.url}: ${e.message}${hint}`);
  }
}

export interface ProgressMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

type Pipeable = { pipe: (to: NodeJS.WritableStream) => unknown; on: (event: 'error', fn: (e: Error) => void) => unknown };

/** Node streams and streamx ones (tar-stream's pack) alike. */
function isPipeable(body: unknown): body is Pipeable {
  return typeof (body as Pipeable | undefined)?.pipe === 'function';
}

function prepareBody(body: unknown, headers: Record<string, string> = {}): { body: Buffer | Pipeable | undefined; headers: Record<string, string> } {
  if (body === undefined) return { body: undefined, headers };
  if (isPipeable(body)) return { body, headers: { 'Content-Type': 'application/x-tar', ...headers } };
  if (Buffer.isBuffer(body)) return { body, headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(body.length), ...headers } };
  const json = Buffer.from(JSON.stringify(body));
  return { body: json, headers: { 'Content-Type': 'application/json', 'Content-Length': String(json.length), ...headers } };
}

function responseAsDuplex(res: IncomingMessage): Duplex {
  const socket = res.socket as Duplex;
  return new (class extends Readable {
    constructor() {
      super({ read: () => res.resume() });
      res.on('data', (d: Buffer) => { if (!this.push(d)) res.pause(); });
      res.on('end', () => this.push(null));
      res.on('error', (e) => this.destroy(e));
    }
    write(chunk: Buffer) { return socket.write(chunk); }
    end() { return this; }
  })() as unknown as Duplex;
}

export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(status: number, text: string): DockerApiError {
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch { /* plain text */ }
  return new DockerApiError(status, message || `HTTP ${status}`);
}
