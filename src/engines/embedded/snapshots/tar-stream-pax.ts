// tar-stream decodes and encodes PAX records as UTF-8, which mangles binary
// xattr values (`SCHILY.xattr.security.capability`). Its extractor calls
// `headers.decodePax` through the module object, so we replace that function
// once with one that keeps xattr values byte for byte (as latin1 strings);
// `packWithBinaryXattrs` is a packer that writes them back byte for byte.
// A new tar-stream could stop calling decodePax that way: the first use proves
// on a crafted tar that the patch took, and refuses to unpack layers if not.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { TscError } from '../../../util/errors.js';

const XATTR_PREFIX = 'SCHILY.xattr.';
let patched: Promise<void> | undefined;

export function keepBinaryPaxValues(): Promise<void> {
  patched ??= patchAndCheck();
  return patched;
}

async function patchAndCheck(): Promise<void> {
  const headers = tarHeaders() as Partial<TarHeaders>;
  if (typeof headers.decodePax !== 'function') throw patchFailed('tar-stream has no headers.decodePax to replace');
  headers.decodePax = decodePax;
  if (!(await paxDecodingKeepsBytes())) throw patchFailed('a binary xattr value did not come back byte for byte');
}

/** Whether tar-stream, as it is now, gives a binary xattr value back byte for byte. */
export async function paxDecodingKeepsBytes(): Promise<boolean> {
  const value = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x01]);
  const got = await readPaxOf(selfTestTar(`${XATTR_PREFIX}user.check`, value));
  return got?.[`${XATTR_PREFIX}user.check`] === value.toString('latin1');
}

function patchFailed(why: string): TscError {
  return new TscError('TAR_PAX_PATCH', `the installed tar-stream no longer takes our PAX decoding fix (${why}): layers with binary xattrs (file capabilities) would be unpacked wrong; install the tar-stream version of package-lock.json`);
}

async function readPaxOf(file: Buffer): Promise<Record<string, string> | null | undefined> {
  const extract = tar.extract();
  Readable.from([file]).pipe(extract);
  let pax: Record<string, string> | null | undefined;
  for await (const entry of extract) {
    pax = (entry.header as { pax?: Record<string, string> | null }).pax;
    entry.resume();
  }
  return pax;
}

/** A tar of one empty file `x` preceded by a PAX header with one record `key=value`. */
function selfTestTar(key: string, value: Buffer): Buffer {
  const record = encodePax({ pax: { [key]: value.toString('latin1') } });
  const padded = Buffer.alloc(Math.ceil(record.length / 512) * 512);
  record.copy(padded);
  return Buffer.concat([ustarHeader('PaxHeader/x', 'x', record.length), padded, ustarHeader('x', '0', 0), Buffer.alloc(1024)]);
}

function ustarHeader(name: string, type: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;
  h.write(name, 0);
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write(type, 156);
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
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
