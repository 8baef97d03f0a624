// HTTP to registries. Small requests (pings, tokens, manifests) go through
// Node's own fetch, which costs nothing to load; blob transfers (`bulk`) and
// registries reached over HTTPS without certificate checks go through the
// undici package (request API: less overhead per byte, and an Agent that can
// skip verification), loaded only then. Where a registry lives: `docker.io`
// is served by registry-1.docker.io; HTTPS with a verified certificate unless
// the registry is insecure (see insecure.ts), in which case HTTPS without
// verification when it speaks TLS, else plain HTTP, as Docker does.
import { createRequire } from 'node:module';
import { connect as tlsConnect } from 'node:tls';
import { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { TscError } from '../../../util/errors.js';
import { hostnameOf, isInsecureRegistry, portOf } from './insecure.js';

export interface Endpoint {
  /** The registry as references name it (`docker.io`, `localhost:5000`). */
  registry: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  base: string;
  /** HTTPS whose certificate is not checked (an insecure registry that speaks TLS). */
  unverified?: boolean;
  /** The answer to `GET /v2/`: what authentication the registry asks for. */
  challenge?: string;
}

export interface SendOptions {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
  /** Blob downloads are redirected to storage (S3…): follow (Authorization is dropped across origins). */
  follow?: boolean;
  /** A blob transfer: through undici's request API. */
  bulk?: boolean;
}

export interface ResponseBody extends AsyncIterable<Uint8Array> {
  dump(): Promise<void>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  destroy(): void;
}

export interface Response {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
}

export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

const endpoints = new Map<string, Promise<Endpoint>>();

/** Where `registry` answers, found once per process (the `GET /v2/` ping Docker does). */
export function resolveEndpoint(registry: string): Promise<Endpoint> {
  let found = endpoints.get(registry);
  if (!found) {
    found = findEndpoint(registry);
    endpoints.set(registry, found);
    found.catch(() => endpoints.delete(registry));
  }
  return found;
}

async function findEndpoint(registry: string): Promise<Endpoint> {
  const host = apiHost(registry);
  if (!isInsecureRegistry(registry)) return ping({ registry, base: `https://${host}` });
  if (await speaksTls(host)) return ping({ registry, base: `https://${host}`, unverified: true });
  return ping({ registry, base: `http://${host}` });
}

/** Whether host:port completes a TLS handshake (certificate unchecked): how Docker's HTTPS-then-HTTP order is decided without a failed request. */
function speaksTls(host: string): Promise<boolean> {
  const hostname = hostnameOf(host);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: hostname, port: portOf(host) ?? 443, servername: /^[\d.:]+$/.test(hostname) ? undefined : hostname, rejectUnauthorized: false, timeout: 10_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function ping(endpoint: Endpoint): Promise<Endpoint> {
  const res = await send(endpoint, '/v2/');
  await res.body.dump();
  if (res.statusCode === 401) return { ...endpoint, challenge: header(res, 'www-authenticate') ?? '' };
  if (res.statusCode >= 200 && res.statusCode < 300) return endpoint;
  throw new TscError('REGISTRY_ERROR', `${endpoint.base}/v2/ answered ${res.statusCode}: ${endpoint.registry} does not look like a registry (Distribution API v2)`);
}

/** One request; network and TLS failures become errors that say what to do. */
export async function send(endpoint: Endpoint, path: string, opts: SendOptions = {}): Promise<Response> {
  const url = /^https?:\/\//.test(path) ? path : `${endpoint.base}${path}`;
  const headers = { 'user-agent': 'tscompose', ...opts.headers };
  try {
    if (opts.bulk || endpoint.unverified) return await viaUndici(url, endpoint, opts, headers);
    const res = await fetch(url, {
      method: opts.method ?? 'GET', headers, signal: opts.signal, redirect: opts.follow ? 'follow' : 'manual',
      ...(opts.body !== undefined ? { body: opts.body instanceof Readable ? (Readable.toWeb(opts.body) as ReadableStream) : opts.body, duplex: 'half' } : {}),
    } as RequestInit);
    return fromFetch(res);
  } catch (error) {
    throw networkError(endpoint, error as Error & { code?: string });
  }
}

function fromFetch(res: globalThis.Response): Response {
  const headers: Response['headers'] = {};
  res.headers.forEach((value, key) => { headers[key] = value; });
  const stream = res.body;
  const body: ResponseBody = {
    async *[Symbol.asyncIterator]() {
      if (stream) yield* stream as unknown as AsyncIterable<Uint8Array>;
    },
    dump: async () => { await stream?.cancel().catch(() => undefined); },
    text: () => res.text(),
    json: () => res.json(),
    destroy: () => { void stream?.cancel().catch(() => undefined); },
  };
  return { statusCode: res.status, headers, body };
}

let verifiedAgent: Agent | undefined;
let unverifiedAgent: Agent | undefined;

async function viaUndici(url: string, endpoint: Endpoint, opts: SendOptions, headers: Record<string, string>): Promise<Response> {
  // required, not imported: the CLI's bundle is a script run with a code cache, where node 20 has no import() (scripts/build.mts).
  const undici = createRequire(import.meta.url)('undici') as typeof import('undici');
  const pool = { connections: 8, keepAliveTimeout: 10_000, connect: { timeout: 30_000 }, headersTimeout: 120_000, bodyTimeout: 120_000 };
  const dispatcher = endpoint.unverified
    ? (unverifiedAgent ??= new undici.Agent({ ...pool, connect: { ...pool.connect, rejectUnauthorized: false } }))
    : (verifiedAgent ??= new undici.Agent(pool));
  const res = await undici.request(url, { method: opts.method ?? 'GET', headers, body: opts.body, signal: opts.signal, dispatcher, maxRedirections: opts.follow ? 5 : 0 });
  return { statusCode: res.statusCode, headers: res.headers, body: res.body as unknown as ResponseBody };
}

export function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|EPROTO|HOSTNAME/;

export function networkError(endpoint: Pick<Endpoint, 'registry' | 'base'>, error: Error & { code?: string; cause?: unknown }): Error {
  if (error instanceof TscError || error.name === 'AbortError') return error;
  const cause = (error.cause as (Error & { code?: string }) | undefined) ?? error;
  const code = cause.code ?? error.code ?? '';
  const where = endpoint.base ? `${endpoint.registry} (${endpoint.base})` : endpoint.registry;
  if (TLS_CODES.test(code) || TLS_CODES.test(cause.message)) {
    return new TscError('REGISTRY_TLS', `TLS failure talking to ${where}: ${cause.message}. If the registry uses a certificate of your own, trust its CA (NODE_EXTRA_CA_CERTS=ca.pem) or list it in TSCOMPOSE_INSECURE_REGISTRIES`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new TscError('REGISTRY_UNREACHABLE', `cannot resolve ${endpoint.registry}: check the registry name and your DNS`);
  if (code === 'ECONNREFUSED') return new TscError('REGISTRY_UNREACHABLE', `cannot connect to ${where}: connection refused (is the registry running on that port?)`);
  if (['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ENETUNREACH', 'EHOSTUNREACH'].includes(code)) {
    return new TscError('REGISTRY_UNREACHABLE', `lost the connection to ${where}: ${cause.message || code}`);
  }
  return new TscError('REGISTRY_UNREACHABLE', `cannot talk to ${where}: ${cause.message || code || String(error)}`);
}
