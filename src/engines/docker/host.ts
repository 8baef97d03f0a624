// Which Docker Engine to talk to, found as the docker CLI finds it:
// DOCKER_HOST, else DOCKER_CONTEXT, else the current context of
// ~/.docker/config.json, else the local socket. TLS from DOCKER_TLS_VERIFY /
// DOCKER_TLS and DOCKER_CERT_PATH (or the context's own TLS files).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TscError } from '../../util/errors.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  /** Check the daemon's certificate against `ca` (DOCKER_TLS_VERIFY). */
  verify: boolean;
}

export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; host: string; port: number; tls?: TlsFiles; url: string }
  | { kind: 'ssh'; host: string; user?: string; port?: number; socketPath?: string; url: string };

export interface ResolveEndpointOptions {
  env: NodeJS.ProcessEnv;
  /** ~/.docker by default (DOCKER_CONFIG). */
  configDir?: string;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

export function resolveDockerEndpoint(opts: ResolveEndpointOptions): DockerEndpoint {
  const { env } = opts;
  const configDir = opts.configDir ?? dockerConfigDir(env);
  if (env.DOCKER_HOST) return parseDockerHost(env.DOCKER_HOST, tlsFromEnv(env, configDir));
  const context = env.DOCKER_CONTEXT || currentContext(configDir);
  if (context && context !== 'default') return contextEndpoint(configDir, context);
  return parseDockerHost(DEFAULT_DOCKER_HOST);
}

function tlsFromEnv(env: NodeJS.ProcessEnv, configDir: string): TlsFiles | undefined {
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  if (!verify && !env.DOCKER_TLS) return undefined;
  const dir = env.DOCKER_CERT_PATH || configDir;
  const file = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
  return { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify };
}

function currentContext(configDir: string): string | undefined {
  try {
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { currentContext?: string };
    return config.currentContext;
  } catch {
    return undefined;
  }
}

/** A context's meta.json lives under the sha256 of its name; its TLS files beside it under tls/. */
function contextEndpoint(configDir: string, name: string): DockerEndpoint {
  const id = createHash('sha256').update(name).digest('hex');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(readFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as typeof meta;
  } catch {
    throw new TscError('DOCKER_CONTEXT', `Docker context "${name}" not found: \`docker context ls\` lists them`);
  }
  const endpoint = meta.Endpoints?.docker;
  if (!endpoint?.Host) throw new TscError('DOCKER_CONTEXT', `Docker context "${name}" has no Docker endpoint`);
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const file = (n: string) => (existsSync(join(tlsDir, n)) ? join(tlsDir, n) : undefined);
  const tls = existsSync(tlsDir) ? { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify: !endpoint.SkipTLSVerify } : undefined;
  return parseDockerHost(endpoint.Host, tls);
}

/** `unix:///path`, `tcp://host:2376`, `ssh://user@host:22` (and `npipe://`, refused). */
export function parseDockerHost(host: string, tls?: TlsFiles): DockerEndpoint {
  const bad = (why: string) => new TscError('DOCKER_HOST', `invalid DOCKER_HOST "${host}": ${why}`);
  const scheme = /^([a-z]+):\/\//.exec(host)?.[1];
  if (!scheme) {
    if (host.startsWith('/')) return { kind: 'unix', socketPath: host, url: `unix://${host}` };
    throw bad('expected unix://, tcp:// or ssh://');
  }
  if (scheme === 'unix') {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath) throw bad('no socket path');
    return { kind: 'unix', socketPath, url: host };
  }
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw bad('not a URL');
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    if (!url.hostname) throw bad('no host');
    if (url.pathname && url.pathname !== '/') throw bad('a path is not supported');
    const useTls = scheme === 'https' || tls !== undefined;
    const port = url.port ? Number(url.port) : useTls ? 2376 : 2375;
    return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port, tls: useTls ? tls ?? { verify: true } : undefined, url: host };
  }
  if (scheme === 'ssh') {
    if (!url.hostname) throw bad('no host');
    if (url.password) throw bad('a password in the URL is not supported: use an SSH key or agent');
    return {
      kind: 'ssh', host: url.hostname, user: url.username ? decodeURIComponent(url.username) : undefined,
      port: url.port ? Number(url.port) : undefined, socketPath: url.pathname && url.pathname !== '/' ? url.pathname : undefined, url: host,
    };
  }
  throw bad(`scheme ${scheme}:// is not supported (unix://, tcp://, ssh://)`);
}
