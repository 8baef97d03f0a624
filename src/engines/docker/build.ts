// Builds and pulls done by the Docker Engine itself: /build with the context
// as a tar (.dockerignore applied, as the docker CLI does), /images/create
// with X-Registry-Auth. The classic builder of API 1.41: BuildKit-only
// features (secrets, named contexts) are refused, never ignored.
import type { BuildEvent, BuildSpec } from '../../engine/types.js';
import { findCredentials, serverKey } from '../embedded/registry/credentials.js';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import * as tar from 'tar-stream';
import { TscError } from '../../util/errors.js';
import type { DockerClient, ProgressMessage } from './client.js';
import { isIgnored, mayHaveExceptionsUnder, parseDockerignore, type IgnorePattern } from '../../build/dockerignore.js';
import { splitRef } from './images.js';

/** The Engine interface's build request and events: the Docker backend takes the same. */
export type DockerBuildSpec = BuildSpec;
export type DockerBuildEvent = BuildEvent;

export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

/** Credentials for a registry host (`docker.io` for Docker Hub); undefined: anonymous. */
export type AuthLookup = (registry: string) => Promise<RegistryAuth | undefined>;

const INLINE_DOCKERFILE = '.tscompose.Dockerfile';

/** The registry of a reference, as the docker CLI decides it (`docker.io` when the first part is no host). */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0]!;
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

/** X-Registry-Auth: base64url of the JSON auth config. */
export function encodeAuth(auth: RegistryAuth | Record<string, RegistryAuth>): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64url');
}

/** The files of a build context, .dockerignore applied; the Dockerfile and .dockerignore are always sent (the daemon reads them). */
export async function contextEntries(context: string, dockerfile: string | undefined): Promise<string[]> {
  const dockerfileRel = dockerfile && !isAbsolute(dockerfile) ? relative(context, join(context, dockerfile)).split(sep).join('/') : dockerfile ? undefined : 'Dockerfile';
  const ignoreText = await readFile(join(context, `${dockerfileRel ?? 'Dockerfile'}.dockerignore`), 'utf8')
    .catch(() => readFile(join(context, '.dockerignore'), 'utf8'))
    .catch(() => '');
  const patterns: IgnorePattern[] = parseDockerignore(ignoreText);
  const keep = new Set(['.dockerignore', ...(dockerfileRel ? [dockerfileRel] : [])]);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(rel ? join(context, rel) : context)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(context, path));
      const ignored = isIgnored(patterns, path) && !keep.has(path);
      if (st.isDirectory()) {
        if (ignored && !mayHaveExceptionsUnder(patterns, path)) continue;
        if (!ignored) out.push(path);
        await walk(path);
      } else if (!ignored) {
        out.push(path);
      }
    }
  };
  await walk('');
  return out;
}

export async function buildImage(client: DockerClient, spec: DockerBuildSpec, opts: { auth?: AuthLookup; onEvent?: (e: DockerBuildEvent) => void } = {}): Promise<{ imageId: string; ran: number; cached: number }> {
  if (spec.secrets && Object.keys(spec.secrets).length) throw unsupportedBuild('build.secrets');
  if (spec.additionalContexts && Object.keys(spec.additionalContexts).length) throw unsupportedBuild('build.additional_contexts');
  const entries = await contextEntries(spec.context, spec.dockerfileInline !== undefined ? INLINE_DOCKERFILE : spec.dockerfile);
  // Symlinks are sent as links: read their targets now (the packer streams).
  const links = new Map<string, string>();
  for (const e of entries) {
    const st = await lstat(join(spec.context, e));
    if (st.isSymbolicLink()) links.set(e, await readlink(join(spec.context, e)));
  }
  const pack = await packWithLinks(spec.context, entries, links, spec.dockerfileInline);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-tar' };
  if (opts.auth) {
    // X-Registry-Config: credentials for every registry a FROM might name; we know those of the tags' and Docker Hub's.
    const configs: Record<string, RegistryAuth> = {};
    for (const registry of new Set(['docker.io', ...spec.tags.map(registryOf)])) {
      const a = await opts.auth(registry);
      if (a) configs[a.serveraddress] = a;
    }
    if (Object.keys(configs).length) headers['X-Registry-Config'] = encodeAuth(configs);
  }
  let step = 0;
  let ran = 0;
  let cached = 0;
  let imageId = '';
  await client.progress('POST', '/build', {
    query: {
      t: spec.tags, dockerfile: spec.dockerfileInline !== undefined ? INLINE_DOCKERFILE : spec.dockerfile, buildargs: spec.args, target: spec.target,
      labels: spec.labels, nocache: spec.noCache, pull: spec.pull, networkmode: spec.network, shmsize: spec.shmSizeBytes, rm: true, forcerm: true,
      extrahosts: spec.extraHosts?.map((h) => `${h.host}:${h.ip}`).join(','),
    },
    headers,
    body: pack,
    signal: spec.signal,
    onMessage: (m: ProgressMessage) => {
      if (m.aux?.ID) imageId = m.aux.ID;
      for (const line of (m.stream ?? '').split('\n')) {
        if (!line) continue;
        const s = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
        if (s) {
          step = Number(s[1]);
          opts.onEvent?.({ type: 'step', stage: '', step, total: Number(s[2]), text: s[3]!, cached: false });
          ran++;
        } else if (line.trim() === '---> Using cache') {
          cached++;
          ran--;
        } else if (!/^ ---> |^Removing intermediate container |^Successfully (built|tagged) /.test(line)) {
          opts.onEvent?.({ type: 'output', step, stream: 'stdout', line });
        }
      }
    },
  });
  return { imageId, ran, cached };
}

async function packWithLinks(context: string, entries: string[], links: Map<string, string>, inline: string | undefined): Promise<tar.Pack> {
  const pack = tar.pack();
  (async () => {
    const add = (header: Partial<tar.Header> & { name: string }, body?: string) =>
      new Promise<void>((res, rej) => (body === undefined ? pack.entry(header, (e) => (e ? rej(e) : res())) : pack.entry(header, body, (e) => (e ? rej(e) : res()))));
    for (const path of entries) {
      const full = join(context, path);
      const st = await lstat(full);
      const header = { name: path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
      if (st.isDirectory()) await add({ ...header, type: 'directory' });
      else if (st.isSymbolicLink()) await add({ ...header, type: 'symlink', linkname: links.get(path) ?? '' });
      else if (st.isFile()) {
        await new Promise<void>((res, rej) => {
          const sink = pack.entry({ ...header, type: 'file', size: st.size }, (e) => (e ? rej(e) : res()));
          createReadStream(full).on('error', rej).pipe(sink);
        });
      }
    }
    if (inline !== undefined) await add({ name: INLINE_DOCKERFILE, mode: 0o644 }, inline);
    pack.finalize();
  })().catch((e: Error) => pack.destroy(e));
  return pack;
}

function unsupportedBuild(key: string): TscError {
  return new TscError('DOCKER_UNSUPPORTED', `${key} needs BuildKit, which the Docker engine backend does not drive (it uses the Engine's classic /build): remove it or use --engine embedded`);
}

const PULL_STATUSES = ['Waiting', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete', 'Already exists'] as const;

/** As the registry branch's ImageTransferProgress (a layer's step of a pull). */
export interface DockerPullProgress {
  layer?: string;
  status: typeof PULL_STATUSES[number];
  current?: number;
  total?: number;
}

export async function pullImage(client: DockerClient, ref: string, opts: { platform?: string; auth?: AuthLookup; onProgress?: (p: DockerPullProgress) => void; signal?: AbortSignal } = {}): Promise<{ id: string; digest: string; downloaded: boolean }> {
  const { repo, tag } = splitRef(ref);
  const headers: Record<string, string> = {};
  const auth = await opts.auth?.(registryOf(ref));
  if (auth) headers['X-Registry-Auth'] = encodeAuth(auth);
  let digest = '';
  let downloaded = false;
  await client.progress('POST', '/images/create', {
    query: { fromImage: repo, tag: tag ?? 'latest', platform: opts.platform },
    headers,
    signal: opts.signal,
    onMessage: (m) => {
      const d = /^Digest: (sha256:[0-9a-f]{64})$/.exec(m.status ?? '');
      if (d) digest = d[1]!;
      if (/^Status: Downloaded newer image/.test(m.status ?? '')) downloaded = true;
      const detail = (m as { progressDetail?: { current?: number; total?: number } }).progressDetail;
      const status = PULL_STATUSES.find((x) => x === m.status);
      if (status && m.id && /^[0-9a-f]{12}$/.test(m.id)) opts.onProgress?.({ layer: m.id, status, current: detail?.current, total: detail?.total });
    },
  });
  const image = await client.json<{ Id: string }>('GET', `/images/${encodeURIComponent(ref)}/json`);
  return { id: image.Id, digest, downloaded };
}

/**
 * Credentials for `X-Registry-Auth`/`X-Registry-Config`, found as the registry
 * client finds them (config.json `auths`, `credsStore`, `credHelpers`).
 */
export function configFileAuth(env: NodeJS.ProcessEnv): AuthLookup {
  return async (registry) => {
    const { credentials } = await findCredentials(registry, env);
    if (!credentials) return undefined;
    const serveraddress = serverKey(registry);
    return credentials.identityToken
      ? { identitytoken: credentials.secret, serveraddress }
      : { username: credentials.username, password: credentials.secret, serveraddress };
  };
}
