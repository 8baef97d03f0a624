// Fetching manifests and indexes: every format we understand in Accept,
// the bytes kept as served, checked against the digest asked for.
import { TscError } from '../../../util/errors.js';
import { sha256Digest } from '../images/digest.js';
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MEDIA } from '../images/oci.js';
import { responseError, type ErrorContext } from './errors.js';
import type { RegistrySession } from './session.js';
import { header } from './transport.js';

const ACCEPT = [MEDIA.ociIndex, MEDIA.dockerManifestList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');
const MAX_MANIFEST = 4 * 1024 * 1024;

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** GET a manifest by tag or digest. */
export async function fetchManifest(session: RegistrySession, path: string, reference: string, scopes: string[], ctx: ErrorContext): Promise<FetchedManifest> {
  const res = await session.request(`/v2/${path}/manifests/${reference}`, scopes, { headers: { accept: ACCEPT } });
  if (res.statusCode !== 200) throw await responseError(res, ctx);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_MANIFEST) {
      res.body.destroy();
      throw new TscError('MANIFEST_INVALID', `${ctx.what}: the manifest is larger than 4 MiB: refused`);
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const digest = sha256Digest(bytes);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new TscError('BLOB_DIGEST_MISMATCH', `${ctx.what}: the registry served a manifest with digest ${digest} for ${reference}: refused`);
  }
  const served = header(res, 'docker-content-digest');
  if (served && served.startsWith('sha256:') && served !== digest) {
    throw new TscError('BLOB_DIGEST_MISMATCH', `${ctx.what}: the manifest has digest ${digest}, but the registry says ${served}: refused`);
  }
  let mediaType = (header(res, 'content-type') ?? '').split(';')[0]!.trim();
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; schemaVersion?: number; manifests?: unknown; config?: unknown };
    if (parsed.schemaVersion === 1) throw new TscError('MANIFEST_UNSUPPORTED', `${ctx.what}: the image has a schema 1 manifest, which nothing supports any more: push it again with a recent tool`);
    if (parsed.mediaType) mediaType = parsed.mediaType;
    else if (![...INDEX_MEDIA_TYPES, ...MANIFEST_MEDIA_TYPES].includes(mediaType)) mediaType = parsed.manifests ? MEDIA.ociIndex : MEDIA.ociManifest;
  } catch (error) {
    if (error instanceof TscError) throw error;
    throw new TscError('MANIFEST_INVALID', `${ctx.what}: the manifest is not JSON`);
  }
  return { bytes, mediaType, digest };
}
