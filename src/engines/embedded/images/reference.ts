// Image references, normalized as Docker does: `busybox` is
// `docker.io/library/busybox:latest` inside, and is shown as `busybox:latest`.
// Grammar from distribution/reference (regexp.go, normalize.go).
import { TscError } from '../../../util/errors.js';

export interface ImageReference {
  /** Registry host (and port): `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path within the registry: `library/busybox`. */
  path: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HEX64 = /^[a-f0-9]{64}$/;

function invalid(ref: string, why: string): TscError {
  return new TscError('IMAGE_REFERENCE_INVALID', `invalid image reference "${ref}": ${why}`);
}

/** Parses and normalizes a reference; a name without tag or digest gets `latest`. */
export function parseReference(ref: string, opts: { defaultTag?: boolean } = {}): ImageReference {
  if (HEX64.test(ref)) throw invalid(ref, 'a 64-character hexadecimal string is an image ID, not a name');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(ref, 'the digest must be sha256: followed by 64 lowercase hex digits');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(ref, `"${tag}" is not a valid tag`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first === 'index.docker.io' ? DEFAULT_DOMAIN : first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain)) throw invalid(ref, `"${domain}" is not a valid registry host`);
    }
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (path.toLowerCase() !== path) throw invalid(ref, 'repository names must be lowercase');
  if (!path.split('/').every((c) => COMPONENT.test(c))) throw invalid(ref, 'use lowercase letters, digits and separators (. _ __ -) in each part of the name');
  if (`${domain}/${path}`.length > 255) throw invalid(ref, 'the name is longer than 255 characters');
  if (tag === undefined && digest === undefined && opts.defaultTag !== false) tag = 'latest';
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** `docker.io/library/busybox` */
export function repositoryName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/** The full form: `docker.io/library/busybox:latest`, `localhost:5000/x@sha256:...`. */
export function formatReference(r: ImageReference): string {
  return `${repositoryName(r)}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** The form people write: `busybox:latest`, `user/app:1`, `localhost:5000/x:1`. */
export function familiarReference(r: ImageReference): string {
  let name = repositoryName(r);
  if (r.domain === DEFAULT_DOMAIN) {
    name = r.path;
    if (name.startsWith('library/') && name.split('/').length === 2) name = name.slice('library/'.length);
  }
  return `${name}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** Normalizes a reference string to its full form. */
export function normalizeReference(ref: string): string {
  return formatReference(parseReference(ref));
}

/** A full reference string shown as people write it. */
export function familiarize(full: string): string {
  return familiarReference(parseReference(full, { defaultTag: false }));
}
