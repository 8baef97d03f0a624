// Images on a Docker Engine: inspect/list/remove/tag, and load, save and
// import streamed through /images/load, /images/get and /images/create.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ImageDetails, ImageService, ImageSummary } from '../../engine/types.js';
import { TscError } from '../../util/errors.js';
import { packDirectory } from '../embedded/snapshots/pack-dir.js';
import { DockerApiError, type DockerClient } from './client.js';
import { encodeAuth, pullImage, registryOf, type AuthLookup, type DockerPullProgress } from './build.js';

interface ApiImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
}

interface ApiImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: string;
  Size: number;
  Architecture: string;
  Os: string;
  Config: ImageDetails['config'] | null;
  RootFS: { Type: string; Layers?: string[] };
}

const NONE = '<none>:<none>';

/** `name[:tag]` (or `name@digest`) as repo and tag of the query APIs. */
export function splitRef(ref: string): { repo: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref };
}

export class DockerImageService implements ImageService {
  constructor(private readonly client: DockerClient, private readonly auth?: AuthLookup) {}

  /** The daemon pulls, with the credentials of the reference's registry as X-Registry-Auth. */
  pull(ref: string, opts: { platform?: string; onProgress?: (p: DockerPullProgress) => void; signal?: AbortSignal } = {}): Promise<{ id: string; digest: string; downloaded: boolean }> {
    return pullImage(this.client, ref, { ...opts, auth: this.auth });
  }

  /** The daemon pushes (X-Registry-Auth is required, `{}` when anonymous); resolves with what the registry recorded. */
  async push(ref: string, opts: { signal?: AbortSignal } = {}): Promise<{ digest: string; size: number; tag: string }> {
    const auth = await this.auth?.(registryOf(ref));
    const messages = await this.client.progress('POST', `/images/${encodeURIComponent(ref)}/push`, {
      headers: { 'X-Registry-Auth': encodeAuth(auth ?? ({} as never)) }, signal: opts.signal,
    });
    const aux = messages.map((m) => m.aux).find((a) => a?.Digest);
    if (!aux?.Digest) throw new TscError('PUSH_FAILED', `pushing ${ref}: the daemon reported no digest`);
    return { digest: aux.Digest, size: aux.Size ?? 0, tag: aux.Tag ?? splitRef(ref).tag ?? 'latest' };
  }

  async inspect(ref: string): Promise<ImageDetails | undefined> {
    const i = await this.client.maybe<ApiImageInspect>('GET', `/images/${encodeURIComponent(ref)}/json`);
    if (!i) return undefined;
    return {
      id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [], created: i.Created, size: i.Size,
      architecture: i.Architecture, os: i.Os, config: i.Config ?? {}, rootfs: { type: 'layers', diff_ids: i.RootFS.Layers ?? [] },
    };
  }

  async list(): Promise<ImageSummary[]> {
    const items = await this.client.json<ApiImageSummary[]>('GET', '/images/json');
    return items.map((i) => ({
      id: i.Id, repoTags: (i.RepoTags ?? []).filter((t) => t !== NONE), repoDigests: (i.RepoDigests ?? []).filter((d) => !d.startsWith('<none>')),
      created: new Date(i.Created * 1000).toISOString(), size: i.Size,
    }));
  }

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<string[]> {
    try {
      const r = await this.client.json<Array<{ Untagged?: string; Deleted?: string }>>('DELETE', `/images/${encodeURIComponent(ref)}`, { query: { force: opts.force } });
      return r.map((e) => (e.Untagged ? `Untagged: ${e.Untagged}` : `Deleted: ${e.Deleted}`));
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) throw new TscError('NO_SUCH_IMAGE', `No such image: ${ref}`);
      throw error;
    }
  }

  async load(file: string): Promise<string[]> {
    const messages = await this.client.progress('POST', '/images/load', { query: { quiet: true }, body: createReadStream(file) });
    const refs: string[] = [];
    for (const m of messages) {
      const loaded = /^Loaded image(?: ID)?: (.+)$/.exec((m.stream ?? '').trim());
      if (loaded) refs.push(loaded[1]!);
    }
    return refs;
  }

  async save(refs: string[], file: string): Promise<void> {
    const res = await this.client.stream('GET', '/images/get', { query: { names: refs } });
    await pipeline(res, createWriteStream(file));
  }

  async importRootfs(source: string, ref: string): Promise<string> {
    const isDir = (await stat(source)).isDirectory();
    const { repo, tag } = splitRef(ref);
    const messages = await this.client.progress('POST', '/images/create', {
      query: { fromSrc: '-', repo, tag: tag ?? 'latest' },
      body: isDir ? packDirectory(source) : createReadStream(source),
    });
    const id = messages.map((m) => m.status ?? '').find((s) => s.startsWith('sha256:'));
    return id ?? (await this.inspect(ref))?.id ?? '';
  }

  async tag(source: string, target: string): Promise<void> {
    const { repo, tag } = splitRef(target);
    try {
      await this.client.json('POST', `/images/${encodeURIComponent(source)}/tag`, { query: { repo, tag: tag ?? 'latest' } });
    } catch (error) {
      if (error instanceof DockerApiError && error.statusCode === 404) throw new TscError('NO_SUCH_IMAGE', `No such image: ${source}`);
      throw error;
    }
  }
}
