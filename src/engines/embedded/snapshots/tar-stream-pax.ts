// tar-stream decodes and encodes PAX records as UTF-8, which mangles binary
// xattr values (`SCHILY.xattr.security.capability`). Its extractor calls
// `headers.decodePax` through the module object, so we replace that function
// once with one that keeps xattr values byte for byte (as latin1 strings);
// `packWithBinaryXattrs` is a packer that writes them back byte for byte.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tar from 'tar-stream';

const XATTR_PREFIX = 'SCHILY.xattr.';
let patched = false;

export function keepBinaryPaxValues(): void {
  if (patched) return;
  patched = true;
  tarHeaders().decodePax = decodePax;
}

interface TarHeaders {
  decodePax: (buf: Buffer) => Record<string, string>;
  encode: (header: Record<string, unknown>) => Buffer | null;
}

function tarHeaders(): TarHeaders {
  const require = createRequire(import.meta.url);
  return require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as TarHeaders;
}

/**
 * A tar-stream packer whose PAX records carry `SCHILY.xattr.*` values (latin1
 * strings) as the bytes they stand for. Only this packer's own headers
 * change: it replaces its `_encodePax` (what tar-stream's pack does for a
 * header with `pax`), writing the same records with exact bytes.
 */
export function packWithBinaryXattrs(): tar.Pack {
  const headers = tarHeaders();
  const pack = tar.pack() as tar.Pack & { push(chunk: Buffer): boolean; _encodePax(header: Record<string, unknown>): void };
  pack._encodePax = function encode(header) {
    const body = encodePax(header as { name?: string; linkname?: string; pax?: Record<string, string> });
    // As tar-stream's own: the PAX header, its records, padding, then the entry's header (its path is in the records).
    const paxHeader = {
      name: 'PaxHeader', mode: header.mode, uid: header.uid, gid: header.gid, size: body.length, mtime: header.mtime,
      type: 'pax-header', linkname: header.linkname && 'PaxHeader', uname: header.uname, gname: header.gname, devmajor: header.devmajor, devminor: header.devminor,
    };
    this.push(headers.encode(paxHeader)!);
    this.push(body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) this.push(Buffer.alloc(pad));
    this.push(headers.encode({ ...paxHeader, size: header.size, type: header.type })!);
  };
  return pack;
}

function encodePax(opts: { name?: string; linkname?: string; pax?: Record<string, string> }): Buffer {
  const records: Buffer[] = [];
  const add = (key: string, value: Buffer) => {
    const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
    // The length counts itself: its digits may add one more digit.
    let len = body.length + String(body.length).length;
    if (String(len).length !== String(body.length).length) len = body.length + String(len).length;
    records.push(Buffer.from(String(len), 'ascii'), body);
  };
  if (opts.name) add('path', Buffer.from(opts.name, 'utf8'));
  if (opts.linkname) add('linkpath', Buffer.from(opts.linkname, 'utf8'));
  for (const [key, value] of Object.entries(opts.pax ?? {})) add(key, Buffer.from(value, key.startsWith(XATTR_PREFIX) ? 'latin1' : 'utf8'));
  return Buffer.concat(records);
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
