// Finding an image in the index the ways Docker accepts: a name (`busybox`,
// `busybox:1`, `localhost:5000/x:1`), a name with a digest, a full image ID
// (`sha256:<hex>` or `<hex>`) or a unique prefix of one.
import { TscError } from '../../../util/errors.js';
import type { ImageRecord, IndexFile } from './index-file.js';
import { familiarize, formatReference, parseReference, repositoryName } from './reference.js';

export interface Found {
  image: ImageRecord;
  /** The full reference the lookup matched, when it was a name. */
  ref?: string;
}

export function findImage(index: IndexFile, ref: string): Found | undefined {
  const id = /^sha256:([a-f0-9]{64})$/.exec(ref)?.[0] ?? (/^[a-f0-9]{64}$/.test(ref) ? `sha256:${ref}` : undefined);
  if (id) {
    const image = index.images[id];
    return image && { image };
  }
  let parsed;
  try {
    parsed = parseReference(ref);
  } catch (error) {
    if (/^[a-f0-9]{1,63}$/.test(ref)) return byPrefix(index, ref);
    throw error;
  }
  if (parsed.digest) {
    const repo = repositoryName(parsed);
    const wanted = `${repo}@${parsed.digest}`;
    const image = Object.values(index.images).find(
      (img) => img.repoDigests.includes(wanted) || (img.manifest === parsed.digest && refsOf(index, img.id).some((r) => r.startsWith(`${repo}:`))),
    );
    return image && { image };
  }
  const full = formatReference(parsed);
  const imageId = index.refs[full];
  if (imageId && index.images[imageId]) return { image: index.images[imageId]!, ref: full };
  // `docker image inspect abc123` tries the name first, then an ID prefix.
  if (/^[a-f0-9]{1,63}$/.test(ref)) return byPrefix(index, ref);
  return undefined;
}

function byPrefix(index: IndexFile, prefix: string): Found | undefined {
  const matches = Object.keys(index.images).filter((id) => id.startsWith(`sha256:${prefix}`));
  if (matches.length > 1) throw new TscError('IMAGE_AMBIGUOUS', `image ID prefix "${prefix}" matches ${matches.length} images: give more characters`);
  return matches[0] ? { image: index.images[matches[0]]! } : undefined;
}

/** The full references that name image `id`, sorted. */
export function refsOf(index: IndexFile, id: string): string[] {
  return Object.keys(index.refs).filter((r) => index.refs[r] === id).sort();
}

export function familiarRefsOf(index: IndexFile, id: string): string[] {
  return refsOf(index, id).map(familiarize);
}
