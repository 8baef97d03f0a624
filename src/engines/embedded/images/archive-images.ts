// What an image archive holds: docker-archive (`manifest.json`, as `docker
// save` writes) or an OCI image layout (`oci-layout`, `index.json`,
// `blobs/`). Newer `docker save` writes both in one tar; manifest.json wins,
// as in `docker load`.
import { TscError } from '../../../util/errors.js';
import type { ArchiveFile, ArchiveFiles } from './archive-files.js';
import { ANNOTATION, INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MEDIA, goArch, type Descriptor, type ImageIndex, type Manifest } from './oci.js';
import { parseReference, formatReference } from './reference.js';
import { fileCompression } from '../snapshots/decompress.js';

export interface ArchiveImage {
  config: ArchiveFile;
  layers: Array<{ file: ArchiveFile; mediaType: string }>;
  /** Full references to tag the image with. */
  refs: string[];
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export async function readArchiveImages(archive: ArchiveFiles): Promise<ArchiveImage[]> {
  if (archive.has('manifest.json')) return readDockerArchive(archive);
  if (archive.has('index.json') && archive.has('oci-layout')) return readOciLayout(archive);
  throw new TscError('ARCHIVE_INVALID', `${archive.source} is neither a docker-archive (no manifest.json) nor an OCI image layout (no oci-layout and index.json)`);
}

async function readDockerArchive(archive: ArchiveFiles): Promise<ArchiveImage[]> {
  const entries = await archive.readJson<DockerArchiveEntry[]>('manifest.json');
  if (!Array.isArray(entries)) throw new TscError('ARCHIVE_INVALID', `manifest.json in ${archive.source} is not a list of images`);
  const images: ArchiveImage[] = [];
  for (const entry of entries) {
    const layers = [];
    for (const name of entry.Layers ?? []) {
      const file = archive.require(name);
      const gzip = (await fileCompression(file.path)) === 'gzip';
      layers.push({ file, mediaType: gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer });
    }
    images.push({ config: archive.require(entry.Config), layers, refs: (entry.RepoTags ?? []).map((t) => formatReference(parseReference(t))) });
  }
  return images;
}

async function readOciLayout(archive: ArchiveFiles): Promise<ArchiveImage[]> {
  const index = await archive.readJson<ImageIndex>('index.json');
  const images: ArchiveImage[] = [];
  const byManifest = new Map<string, ArchiveImage>();
  for (const desc of index.manifests ?? []) {
    const manifestDesc = await pickManifest(archive, desc);
    if (!manifestDesc) continue;
    let image = byManifest.get(manifestDesc.digest);
    if (!image) {
      const manifest = await archive.readJson<Manifest>(blobName(archive, manifestDesc));
      image = {
        config: blob(archive, manifest.config),
        layers: manifest.layers.map((l) => ({ file: blob(archive, l), mediaType: l.mediaType })),
        refs: [],
      };
      byManifest.set(manifestDesc.digest, image);
      images.push(image);
    }
    const ref = refFromAnnotations(desc.annotations);
    if (ref && !image.refs.includes(ref)) image.refs.push(ref);
  }
  if (images.length === 0) throw new TscError('ARCHIVE_INVALID', `${archive.source} holds no image for linux/${goArch()}`);
  return images;
}

/** The manifest for this machine's platform under `desc` (itself a manifest, or an index of them). */
async function pickManifest(archive: ArchiveFiles, desc: Descriptor, depth = 0): Promise<Descriptor | undefined> {
  if (MANIFEST_MEDIA_TYPES.includes(desc.mediaType)) return desc;
  if (!INDEX_MEDIA_TYPES.includes(desc.mediaType) || depth > 4) return undefined;
  const index = await archive.readJson<ImageIndex>(blobName(archive, desc));
  const candidates = (index.manifests ?? []).filter(
    (m) => MANIFEST_MEDIA_TYPES.includes(m.mediaType) || INDEX_MEDIA_TYPES.includes(m.mediaType),
  );
  // Attestations (buildx) are manifests for platform unknown/unknown.
  const matching = candidates.filter((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === goArch()));
  for (const m of matching) {
    if (!archive.has(`blobs/sha256/${m.digest.slice('sha256:'.length)}`)) continue;
    const found = await pickManifest(archive, m, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function refFromAnnotations(annotations: Record<string, string> | undefined): string | undefined {
  const full = annotations?.[ANNOTATION.containerdName];
  const name = annotations?.[ANNOTATION.refName];
  for (const candidate of [full, name]) {
    // A bare tag (`latest`) names no repository: such an image loads untagged.
    if (!candidate || !/[/:@]/.test(candidate)) continue;
    try {
      return formatReference(parseReference(candidate));
    } catch {
      /* not a reference */
    }
  }
  return undefined;
}

function blobName(archive: ArchiveFiles, desc: Descriptor): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(desc.digest);
  if (!m) throw new TscError('ARCHIVE_INVALID', `${archive.source} names blob "${desc.digest}", which is not a sha256 digest`);
  return `blobs/sha256/${m[1]}`;
}

function blob(archive: ArchiveFiles, desc: Descriptor): ArchiveFile {
  const file = archive.require(blobName(archive, desc));
  if (file.digest !== desc.digest) {
    throw new TscError('BLOB_DIGEST_MISMATCH', `${blobName(archive, desc)} in ${archive.source} does not match its digest: the archive is damaged`);
  }
  return file;
}
