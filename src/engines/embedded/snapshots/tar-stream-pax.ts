// tar-stream decodes PAX records as UTF-8, which mangles binary xattr values
// (`SCHILY.xattr.security.capability`). Its extractor calls
// `headers.decodePax` through the module object, so we replace that function
// once with one that keeps xattr values byte for byte (as latin1 strings).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const XATTR_PREFIX = 'SCHILY.xattr.';
let patched = false;

export function keepBinaryPaxValues(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as { decodePax: (buf: Buffer) => Record<string, string> };
  headers.decodePax = decodePax;
}

function decodePax(buf: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  while (buf.length) {
    const space = buf.indexOf(0x20);
    const len = parseInt(buf.subarray(0, space).toString('ascii'), 10);
    if (!len || space < 0 || len > buf.length) return result;
    const record = buf.subarray(space + 1, len - 1);
    const eq = record.indexOf(0x3d);
    if (eq === -1) return result;
    const key = record.subarray(0, eq).toString('utf8');
    const value = record.subarray(eq + 1);
    result[key] = key.startsWith(XATTR_PREFIX) ? value.toString('latin1') : value.toString('utf8');
    buf = buf.subarray(len);
  }
  return result;
}

/** The extended attributes of a tar entry, from its PAX records. */
export function paxXattrs(pax: Record<string, string> | null | undefined): Array<[string, Buffer]> {
  if (!pax) return [];
  return Object.entries(pax)
    .filter(([k]) => k.startsWith(XATTR_PREFIX))
    .map(([k, v]) => [k.slice(XATTR_PREFIX.length), Buffer.from(v, 'latin1')]);
}
