// `deploy`: a converted stack made real on a Swarm manager, as `docker stack
// deploy` does it: networks, secrets and configs first, then each service
// created or updated (Swarm rolls the update per update_config). A service
// whose spec (and resolved image) did not change is left alone: its spec
// carries the hash of what we asked for.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TscError } from '../util/errors.js';
import type { DockerClient } from '../engines/docker/client.js';
import { DockerApiError } from '../engines/docker/client.js';
import { encodeAuth, registryOf, type AuthLookup } from '../engines/docker/build.js';
import { NAMESPACE_LABEL, type SwarmFileObject, type SwarmService, type SwarmStack } from './convert.js';

export const SPEC_HASH_LABEL = 'io.tscompose.spec-hash';
const DATA_HASH_LABEL = 'io.tscompose.data-hash';

export type ResolveImage = 'always' | 'changed' | 'never';

export interface DeployOptions {
  prune?: boolean;
  resolveImage?: ResolveImage;
  withRegistryAuth?: boolean;
  auth?: AuthLookup;
  dryRun?: boolean;
  /** Each step as `docker stack deploy` prints it. */
  out: (line: string) => void;
  /** Warnings (stderr). */
  warn: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

interface ApiService {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string; Labels?: Record<string, string>; TaskTemplate: { ContainerSpec: { Image: string } } };
}

interface ApiFileObject {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string> };
}

export async function listStackServices(client: DockerClient, namespace: string): Promise<ApiService[]> {
  return client.json<ApiService[]>('GET', '/services', { query: { filters: { label: [`${NAMESPACE_LABEL}=${namespace}`] } } });
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export async function deployStack(client: DockerClient, stack: SwarmStack, opts: DeployOptions): Promise<void> {
  const say = (line: string) => opts.out(opts.dryRun ? `DRY-RUN MODE - ${line}` : line);
  if (stack.unsupported.length) opts.warn(`Ignoring unsupported options: ${stack.unsupported.join(', ')}\n\n`);
  const deprecated = Object.entries(stack.deprecated).sort(([a], [b]) => (a < b ? -1 : 1));
  if (deprecated.length) opts.warn(`Ignoring deprecated options:\n\n${deprecated.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n`);
  await requireManager(client);
  const ns = `${NAMESPACE_LABEL}=${stack.namespace}`;
  const [existingServices, existingNetworks] = await Promise.all([
    listStackServices(client, stack.namespace),
    client.json<Array<{ Name: string; Scope: string; Labels: Record<string, string> | null }>>('GET', '/networks'),
  ]);

  if (opts.prune) {
    const wanted = new Set(stack.services.map((s) => s.name));
    for (const s of existingServices.filter((x) => !wanted.has(x.Spec.Name))) {
      say(`Removing service ${s.Spec.Name}`);
      if (!opts.dryRun) await client.json('DELETE', `/services/${s.ID}`);
    }
  }

  for (const n of stack.networks) {
    const found = existingNetworks.find((x) => x.Name === n.name);
    if (n.external) {
      if (!found || found.Scope !== 'swarm') {
        throw new TscError('SWARM_NETWORK', `network "${n.name}" is declared as external, but ${found ? 'it is not in the right scope: "' + found.Scope + '" instead of "swarm"' : 'could not be found'}. You need to create a swarm-scoped network before the stack is deployed`);
      }
      continue;
    }
    if (found) continue;
    say(`Creating network ${n.name}`);
    if (!opts.dryRun) await client.json('POST', '/networks/create', { body: { ...n.spec, CheckDuplicate: true } });
  }

  const ids = new Map<string, string>();
  for (const kind of ['secret', 'config'] as const) {
    const existing = await client.json<ApiFileObject[]>('GET', `/${kind}s`, { query: { filters: { label: [ns] } } });
    const all = await client.json<ApiFileObject[]>('GET', `/${kind}s`);
    for (const f of stack.files.filter((x) => x.kind === kind)) {
      const key = `${kind}:${f.key}`;
      if (f.external) {
        const found = all.find((x) => x.Spec.Name === f.name);
        if (!found) throw new TscError('SWARM_FILE', `${kind} not found: ${f.name}`);
        ids.set(key, found.ID);
        continue;
      }
      const data = await readSource(f, opts.env ?? process.env);
      const dataHash = hashOf(data.toString('base64'));
      const spec = {
        Name: f.name, Labels: { ...f.labels, [DATA_HASH_LABEL]: dataHash }, Data: data.toString('base64'),
        ...(f.driver ? { Driver: { Name: f.driver } } : {}), ...(f.templateDriver ? { Templating: { Name: f.templateDriver } } : {}),
      };
      const found = existing.find((x) => x.Spec.Name === f.name) ?? all.find((x) => x.Spec.Name === f.name);
      if (found) {
        if (found.Spec.Labels?.[DATA_HASH_LABEL] !== dataHash) {
          throw new TscError('SWARM_FILE', `${kind} ${f.name} exists with other content: Swarm ${kind}s cannot change; give it a new name (name: ${f.name}_v2) or remove the stack first`);
        }
        ids.set(key, found.ID);
        continue;
      }
      say(`Creating ${kind} ${f.name}`);
      if (!opts.dryRun) ids.set(key, (await client.json<{ ID: string }>('POST', `/${kind}s/create`, { body: spec })).ID);
    }
  }

  for (const s of stack.services) {
    const current = existingServices.find((x) => x.Spec.Name === s.name);
    const spec = bindFiles(s, ids, stack.files);
    const specHash = hashOf(spec);
    const changed = !current || current.Spec.Labels?.[SPEC_HASH_LABEL] !== specHash;
    const policy = opts.resolveImage ?? 'always';
    let image = s.image;
    if (policy === 'always' || (policy === 'changed' && changed)) {
      image = await resolveDigest(client, s.image, opts);
    } else if (current && sameRepoTag(current.Spec.TaskTemplate.ContainerSpec.Image, s.image)) {
      image = current.Spec.TaskTemplate.ContainerSpec.Image;
    }
    if (!changed && current!.Spec.TaskTemplate.ContainerSpec.Image === image) continue;
    const body = withImage(spec, image, specHash);
    const headers: Record<string, string> = {};
    if (opts.withRegistryAuth) {
      const auth = await opts.auth?.(registryOf(s.image));
      if (auth) headers['X-Registry-Auth'] = encodeAuth(auth);
    }
    if (current) {
      say(`Updating service ${s.name} (id: ${current.ID})`);
      if (!opts.dryRun) {
        const r = await client.json<{ Warnings?: string[] | null }>('POST', `/services/${current.ID}/update`, { query: { version: current.Version.Index }, body, headers });
        for (const w of r?.Warnings ?? []) opts.warn(`${w}\n`);
      }
    } else {
      say(`Creating service ${s.name}`);
      if (!opts.dryRun) {
        const r = await client.json<{ ID: string; Warnings?: string[] | null }>('POST', '/services/create', { body, headers });
        for (const w of r.Warnings ?? []) opts.warn(`${w}\n`);
      }
    }
  }
}

async function requireManager(client: DockerClient): Promise<void> {
  const info = await client.json<{ Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } }>('GET', '/info');
  if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable) {
    throw new TscError('SWARM_INACTIVE', 'this node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again');
  }
}

async function readSource(f: SwarmFileObject, env: NodeJS.ProcessEnv): Promise<Buffer> {
  const src = f.source!;
  if ('file' in src) {
    try {
      return await readFile(src.file);
    } catch {
      throw new TscError('SWARM_FILE', `${f.kind} "${f.key}": cannot read ${src.file}`);
    }
  }
  if ('environment' in src) {
    const value = env[src.environment];
    if (value === undefined) throw new TscError('SWARM_FILE', `${f.kind} "${f.key}": environment variable ${src.environment} is not set`);
    return Buffer.from(value);
  }
  return Buffer.from(src.content);
}

function bindFiles(s: SwarmService, ids: Map<string, string>, files: SwarmFileObject[]): Record<string, unknown> {
  const spec = structuredClone(s.spec) as { TaskTemplate: { ContainerSpec: Record<string, unknown> } };
  const refs = (kind: 'secret' | 'config', list: SwarmService['secrets']) => list.map((r) => {
    const f = files.find((x) => x.kind === kind && x.key === r.key);
    if (!f) throw new TscError('SWARM_FILE', `service "${s.key}" uses ${kind} "${r.key}", which is not declared in the top-level ${kind}s`);
    // In a dry run a new object has no ID yet: its name stands in.
    return { File: r.file, [kind === 'secret' ? 'SecretID' : 'ConfigID']: ids.get(`${kind}:${r.key}`) ?? f.name, [kind === 'secret' ? 'SecretName' : 'ConfigName']: f.name };
  });
  if (s.secrets.length) spec.TaskTemplate.ContainerSpec.Secrets = refs('secret', s.secrets);
  if (s.configs.length) spec.TaskTemplate.ContainerSpec.Configs = refs('config', s.configs);
  return spec;
}

function withImage(spec: Record<string, unknown>, image: string, specHash: string): Record<string, unknown> {
  const out = structuredClone(spec) as { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Image: string } } };
  out.TaskTemplate.ContainerSpec.Image = image;
  out.Labels[SPEC_HASH_LABEL] = specHash;
  return out;
}

function sameRepoTag(pinned: string, image: string): boolean {
  return pinned === image || pinned.startsWith(`${image}@sha256:`);
}

/** `image@sha256:…` from the registry, or the image as written (with Docker's warning) when the registry cannot tell. */
async function resolveDigest(client: DockerClient, image: string, opts: DeployOptions): Promise<string> {
  if (image.includes('@sha256:')) return image;
  const auth = await opts.auth?.(registryOf(image));
  try {
    const r = await client.json<{ Descriptor: { digest: string } }>('GET', `/distribution/${encodeURIComponent(image)}/json`, {
      headers: auth ? { 'X-Registry-Auth': encodeAuth(auth) } : {},
    });
    return `${image}@${r.Descriptor.digest}`;
  } catch (error) {
    if (!(error instanceof DockerApiError)) throw error;
    opts.warn(`image ${image} could not be accessed on a registry to record\nits digest. Each node will access ${image} independently,\npossibly leading to different nodes running different\nversions of the image.\n\n`);
    return image;
  }
}
