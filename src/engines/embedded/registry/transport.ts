// HTTP to registries (undici: keep-alive pools, streaming bodies). Where a
// registry lives: `docker.io` is served by registry-1.docker.io; HTTPS with a
// verified certificate unless the registry is insecure (see insecure.ts), in
// which case HTTPS without verification, then plain HTTP, as Docker does.
import { Agent, request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { TscError } from '../../../util/errors.js';
import { isInsecureRegistry } from './insecure.js';

const POOL = { connections: 8, keepAliveTimeout: 10_000, connect: { timeout: 30_000 }, headersTimeout: 120_000, bodyTimeout: 120_000 };
let verified: Agent | undefined;
let unverified: Agent | undefined;

export interface Endpoint {
  /** The registry as references name it (`docker.io`, `localhost:5000`). */
  registry: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  base: string;
  dispatcher: Dispatcher;
  /** The answer to `GET /v2/`: what authentication the registry asks for. */
  challenge?: string;
}

export interface SendOptions {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
  /** Blob downloads are redirected to storage (S3…): follow (Authorization is dropped across origins). */
  follow?: boolean;
}

export type Response = Dispatcher.ResponseData;

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
  if (!isInsecureRegistry(registry)) return ping({ registry, base: `https://${host}`, dispatcher: (verified ??= new Agent(POOL)) });
  try {
    return await ping({ registry, base: `https://${host}`, dispatcher: (unverified ??= new Agent({ ...POOL, connect: { ...POOL.connect, rejectUnauthorized: false } })) });
  } catch (error) {
    if (!(error instanceof TscError) || !['REGISTRY_UNREACHABLE', 'REGISTRY_TLS'].includes(error.code)) throw error;
    return ping({ registry, base: `http://${host}`, dispatcher: (verified ??= new Agent(POOL)) });
  }
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
  try {
    return await request(url, {
      method: opts.method ?? 'GET',
      headers: { 'user-agent': 'tscompose', ...opts.headers },
      body: opts.body,
      signal: opts.signal,
      dispatcher: endpoint.dispatcher,
      maxRedirections: opts.follow ? 5 : 0,
    });
  } catch (error) {
    throw networkError(endpoint, error as Error & { code?: string });
  }
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

/** Forgets found endpoints (tests that restart a registry on another port reuse none). */
export function forgetEndpoints(): void {
  endpoints.clear();
}
