// The short volume syntax of Compose: `[source:]target[:options]`, read as
// compose-go's `format.ParseVolume` does (Windows drive letters, `${...}`
// left by disabled interpolation, unknown options ignored).
import { posix } from 'node:path';
import type { ServiceVolumeConfig } from '../types.js';
import { ShortSyntaxError } from './errors.js';

export class VolumeSyntaxError extends ShortSyntaxError {}

const PROPAGATIONS = new Set(['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate']);
const SELINUX = new Set(['z', 'Z']);

interface Fields {
  source?: string;
  target?: string;
  readOnly: boolean;
  nocopy: boolean;
  propagation?: string;
  selinux?: string;
}

/**
 * Parses `/data`, `name:/data`, `./dir:/data:ro`, `/abs:/data:rw,z`,
 * `C:\dir:/data`... A source starting with `.`, `/`, `~`, `\\` or a drive
 * letter is a bind (with `create_host_path: true`, as docker-compose v1 did),
 * anything else a named volume (or anonymous without source). The source is
 * kept as written; the target is cleaned like Go's `path.Clean`.
 * Options other than ro, rw, nocopy, z, Z and propagations are ignored, as
 * compose-go ignores them (consistency options included).
 * Throws `VolumeSyntaxError`.
 */
export function parseVolumeSpec(spec: string): ServiceVolumeConfig {
  if (spec.length === 0) throw new VolumeSyntaxError('invalid empty volume spec');
  // compose-go takes one- and two-character specs as a target without further ado.
  if (spec.length <= 2) return { type: 'volume', target: cleanTarget(spec) };

  const fields: Fields = { readOnly: false, nocopy: false };
  const chars = [...spec];
  let buffer = '';
  let substitution = 0;
  for (let i = 0; i <= chars.length; i++) {
    const char = i < chars.length ? chars[i]! : undefined;
    if (char === '$' && chars[i + 1] === '{') {
      substitution++;
      buffer += char;
      continue;
    }
    if (char === '}' && substitution > 0) {
      substitution--;
      buffer += char;
      continue;
    }
    if (char === ':' && isWindowsDrive(buffer)) {
      buffer += char;
    } else if ((char === ':' || char === undefined) && substitution === 0) {
      const problem = takeField(fields, buffer, char === undefined);
      if (problem) throw new VolumeSyntaxError(`invalid volume "${spec}": ${problem}`);
      buffer = '';
    } else if (char !== undefined) {
      buffer += char;
    }
  }
  return build(fields);
}

function isWindowsDrive(buffer: string): boolean {
  return [...buffer].length === 1 && /^\p{L}$/u.test(buffer);
}

/** Stores one colon-separated section; returns what is wrong with it, if anything. */
function takeField(fields: Fields, text: string, last: boolean): string | undefined {
  if (text === '') return 'empty section between colons';
  if (fields.source === undefined && last) {
    fields.target = text;
    return undefined;
  }
  if (fields.source === undefined) {
    fields.source = text;
    return undefined;
  }
  if (fields.target === undefined) {
    fields.target = text;
    return undefined;
  }
  if (!last) return 'too many colons';
  for (const option of text.split(',')) {
    if (option === 'ro') fields.readOnly = true;
    else if (option === 'rw') fields.readOnly = false;
    else if (option === 'nocopy') fields.nocopy = true;
    else if (PROPAGATIONS.has(option)) fields.propagation = option;
    else if (SELINUX.has(option)) fields.selinux = option;
  }
  return undefined;
}

/** Builds the long form with keys in the order `docker compose config` prints them. */
function build(f: Fields): ServiceVolumeConfig {
  const bind = isFilePath(f.source);
  const out: ServiceVolumeConfig = { type: bind ? 'bind' : 'volume' } as ServiceVolumeConfig;
  if (f.source !== undefined) out.source = f.source;
  out.target = cleanTarget(f.target ?? '');
  if (f.readOnly) out.read_only = true;
  if (bind || f.propagation !== undefined || f.selinux !== undefined) {
    out.bind = {};
    if (f.propagation !== undefined) out.bind.propagation = f.propagation;
    if (bind) out.bind.create_host_path = true;
    if (f.selinux !== undefined) out.bind.selinux = f.selinux as 'z' | 'Z';
  }
  if (!bind || f.nocopy) out.volume = f.nocopy ? { nocopy: true } : {};
  return out;
}

/** A bind mount's source: relative or absolute path, home, Windows pipe or drive. */
export function isFilePath(source: string | undefined): boolean {
  if (!source) return false;
  if (source[0] === '.' || source[0] === '/' || source[0] === '~') return true;
  if (source.startsWith('\\\\')) return true;
  const [first, second] = [...source];
  return second === ':' && first !== undefined && isWindowsDrive(first);
}

/** Go's `path.Clean` on the target (`/data/` → `/data`, `/a/../b` → `/b`). */
export function cleanTarget(target: string): string {
  if (target === '') return '';
  const cleaned = posix.normalize(target);
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}
