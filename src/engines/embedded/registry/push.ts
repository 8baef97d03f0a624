// `push`: each blob of the image unless the registry has it (HEAD), mounted
// from another repository of the same registry that we know has it (pulled
// from or pushed to there), else uploaded (POST, then one streamed PUT);
// then the manifest as kept, so the digest is the one the image was pulled as.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ImagePushOptions, ImagePushResult, ImageTransferProgress } from '../../../engine/types.js';
import { TscError } from '../../../util/errors.js';
import { familiarReference, formatReference, parseReference, repositoryName } from '../images/reference.js';
import type { PushSource } from '../images/store.js';
import { responseError, type ErrorContext } from './errors.js';
import { Limiter } from './limit.js';
import { shortDigest } from './pull.js';
import { repositoryScope, sessionFor, type RegistrySession } from './session.js';
import { header } from './transport.js';

export interface PushStore {
  pushSource(ref: string): Promise<PushSource>;
  addRepoDigest(id: string, repoDigest: string): Promise<void>;
}

const uploads = new Limiter(4);

export async function pushImage(store: PushStore, refText: string, opts: ImagePushOptions = {}): Promise<ImagePushResult> {
  const ref = parseReference(refText);
  if (ref.digest) throw new TscError('IMAGE_REFERENCE_INVALID', `cannot push "${refText}": push a tag, not a digest`);
  const source = await store.pushSource(formatReference(ref));
  const session = sessionFor(ref.domain);
  const scopes = [repositoryScope(ref.path, 'pull,push')];
  const ctx: ErrorContext = { what: `push ${familiarReference(ref)}`, repository: familiarReference({ domain: ref.domain, path: ref.path }), credentialSource: await session.credentialSource() };
  // Repositories of this registry known to hold the image's blobs: candidates for a cross-repository mount.
  const mountFrom = [...new Set(source.repoDigests.map((rd) => parseReference(rd)).filter((r) => r.domain === ref.domain && r.path !== ref.path).map((r) => r.path))];
  const progress = (digest: string) => (p: Omit<ImageTransferProgress, 'layer'>) => opts.onProgress?.({ layer: shortDigest(digest), ...p });
  for (const blob of source.blobs.slice(1)) progress(blob.digest)({ status: 'Preparing' });
  await Promise.all(source.blobs.map((blob, i) => uploads.run(() => pushBlob(session, ref.path, blob, scopes, mountFrom[0], ctx, i === 0 ? () => undefined : progress(blob.digest)))));

  const res = await session.request(`/v2/${ref.path}/manifests/${ref.tag}`, scopes, { method: 'PUT', body: source.manifest, headers: { 'content-type': source.mediaType } });
  if (res.statusCode !== 201 && res.statusCode !== 200) throw await responseError(res, ctx);
  await res.body.dump();
  const digest = header(res, 'docker-content-digest') ?? '';
  await store.addRepoDigest(source.id, `${repositoryName(ref)}@${digest}`);
  return { digest, size: source.manifest.length, tag: ref.tag! };
}

async function pushBlob(session: RegistrySession, path: string, blob: PushSource['blobs'][number], scopes: string[], mountFrom: string | undefined, ctx: ErrorContext, progress: (p: Omit<ImageTransferProgress, 'layer'>) => void): Promise<void> {
  const head = await session.request(`/v2/${path}/blobs/${blob.digest}`, scopes, { method: 'HEAD' });
  await head.body.dump();
  if (head.statusCode === 200) return progress({ status: 'Layer already exists' });
  let start;
  if (mountFrom) {
    start = await session.request(`/v2/${path}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(mountFrom)}`, [...scopes, repositoryScope(mountFrom, 'pull')], { method: 'POST' });
    if (start.statusCode === 201) {
      await start.body.dump();
      return progress({ status: 'Mounted', detail: `from ${mountFrom}` });
    }
  } else {
    start = await session.request(`/v2/${path}/blobs/uploads/`, scopes, { method: 'POST' });
  }
  if (start.statusCode !== 202) throw await responseError(start, ctx);
  await start.body.dump();
  const location = header(start, 'location');
  if (!location) throw new TscError('REGISTRY_ERROR', `${ctx.what}: the registry started an upload without saying where to send it`);
  const url = new URL(location, (await session.endpoint()).base);
  url.searchParams.set('digest', blob.digest);
  let sent = 0;
  async function* body(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(blob.path)) {
      sent += (chunk as Buffer).length;
      progress({ status: 'Pushing', current: sent, total: blob.size });
      yield chunk as Buffer;
    }
  }
  const put = await session.request(url.href, scopes, { method: 'PUT', bulk: true, body: Readable.from(body()), headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) } });
  if (put.statusCode !== 201 && put.statusCode !== 204) throw await responseError(put, ctx);
  await put.body.dump();
  progress({ status: 'Pushed' });
}
