// tar-stream decodes PAX records as UTF-8, which mangles binary xattr values
// (`SCHILY.xattr.security.capability`). Its extractor calls
// `headers.decodePax` through the module object, so we replace that function
// once with one that keeps xattr values byte for byte (as latin1 strings).
// A new tar-stream could stop calling it that way: the first use proves on a
// crafted tar that the patch took, and refuses to unpack layers if not.
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
  const require = createRequire(import.meta.url);
  const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as { decodePax?: (buf: Buffer) => Record<string, string> };
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
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  const record = Buffer.concat([Buffer.from(String(len)), body]);
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
