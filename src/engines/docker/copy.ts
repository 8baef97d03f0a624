// `cp` through the archive API, with Docker's rules for where things land:
// into an existing directory under their base name, else to that path.
// What comes out of a container is untrusted: it is unpacked with the
// layer unpacker (never writes outside its target) into a private temporary
// directory, then copied to the destination without following its links.
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import * as tar from 'tar-stream';
import type { CopyOptions, FileSync } from '../../engine/types.js';
import { execFile } from '../../util/exec.js';
import { TscError } from '../../util/errors.js';
import { unpackTar } from '../embedded/snapshots/unpack-tar.js';
import type { DockerClient } from './client.js';
import { DockerApiError } from './client.js';

interface PathStat {
  name: string;
  mode: number;
}

const GO_MODE_DIR = 2 ** 31;

async function statInContainer(client: DockerClient, id: string, path: string): Promise<PathStat | undefined> {
  const res = await client.request('HEAD', `/containers/${encodeURIComponent(id)}/archive`, { query: { path } });
  res.resume();
  if (res.statusCode === 404) return undefined;
  if ((res.statusCode ?? 500) >= 400) throw new DockerApiError(res.statusCode ?? 500, `cannot stat ${path}: HTTP ${res.statusCode}`);
  const header = res.headers['x-docker-container-path-stat'];
  return header ? (JSON.parse(Buffer.from(String(header), 'base64').toString('utf8')) as PathStat) : undefined;
}

export async function copyToContainer(client: DockerClient, id: string, hostPath: string, containerPath: string, opts: CopyOptions = {}): Promise<void> {
  const source = opts.followLink ? await realpath(hostPath.replace(/\/\.$/, '')).catch(() => hostPath) : hostPath.replace(/\/\.$/, '');
  try {
    await lstat(source);
  } catch {
    throw new TscError('NO_SUCH_PATH', `no such file or directory: ${hostPath}`);
  }
  const contentsOnly = /\/\.$/.test(hostPath);
  const dest = posix.resolve('/', containerPath);
  const existing = await statInContainer(client, id, dest);
  const isDir = existing !== undefined && (existing.mode & GO_MODE_DIR) !== 0 || (existing?.mode ?? 0) >= GO_MODE_DIR;
  let dir: string;
  let name: string;
  if (contentsOnly) {
    [dir, name] = [dest, '.'];
  } else if (isDir) {
    [dir, name] = [dest, basename(source)];
  } else {
    [dir, name] = [posix.dirname(dest), posix.basename(dest)];
  }
  // Without -a the copy belongs to root in the container (Docker's default); -a keeps the host's owners.
  await putArchive(client, id, dir, (pack) => addPath(pack, source, name, opts.archive ? undefined : 0), containerPath);
}

/** Sends the entries `fill` packs to the container, unpacked at `dir`; `copyUIDGID`: owned by the container's user. */
async function putArchive(client: DockerClient, id: string, dir: string, fill: (pack: tar.Pack) => Promise<void>, shown: string, copyUIDGID = false): Promise<void> {
  const pack = tar.pack();
  const packing = fill(pack).then(() => pack.finalize(), (e: Error) => pack.destroy(e));
  const res = await client.request('PUT', `/containers/${encodeURIComponent(id)}/archive`, {
    query: { path: dir, noOverwriteDirNonDir: true, ...(copyUIDGID ? { copyUIDGID: true } : {}) }, body: pack,
  });
  const text = await (async () => { const c: Buffer[] = []; for await (const d of res) c.push(d as Buffer); return Buffer.concat(c).toString(); })();
  await packing;
  if ((res.statusCode ?? 500) >= 400) {
    const message = (() => { try { return (JSON.parse(text) as { message: string }).message; } catch { return text; } })();
    throw new TscError('COPY_FAILED', `copying to ${shown}: ${message}`);
  }
}

/**
 * Watch's sync on Docker, as Docker Compose does it: what exists on the host
 * goes in one archive unpacked at `/` (owned by the container's user), what is
 * gone is removed with `rm -rf` in the container.
 */
export async function syncToContainer(client: DockerClient, id: string, changes: readonly FileSync[], remove: (paths: string[]) => Promise<void>): Promise<{ copied: number; deleted: number }> {
  const present: FileSync[] = [];
  const gone: string[] = [];
  for (const c of changes) {
    const target = posix.resolve('/', c.containerPath);
    if (target === '/') continue;
    if (await lstat(c.hostPath).then(() => true, () => false)) present.push({ hostPath: c.hostPath, containerPath: target });
    else gone.push(target);
  }
  if (present.length > 0) {
    await putArchive(client, id, '/', async (pack) => {
      for (const c of present) await addPath(pack, c.hostPath, c.containerPath.slice(1), 0);
    }, present[0]!.containerPath, true);
  }
  if (gone.length > 0) await remove(gone);
  return { copied: present.length, deleted: gone.length };
}

/** Host files as tar entries under `name` (the user's own files: links are stored, not followed). */
async function addPath(pack: tar.Pack, path: string, name: string, owner?: number): Promise<void> {
  const st = await lstat(path);
  const header = { name, mode: st.mode & 0o7777, uid: owner ?? st.uid, gid: owner ?? st.gid, mtime: st.mtime };
  if (st.isDirectory()) {
    await entry(pack, { ...header, type: 'directory' });
    for (const child of (await readdir(path)).sort()) await addPath(pack, join(path, child), name === '.' ? child : `${name}/${child}`, owner);
  } else if (st.isSymbolicLink()) {
    await entry(pack, { ...header, type: 'symlink', linkname: await readlink(path) });
  } else if (st.isFile()) {
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...header, type: 'file', size: st.size }, (e) => (e ? reject(e) : resolve()));
      createReadStream(path).on('error', reject).pipe(sink);
    });
  }
}

function entry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (e) => (e ? reject(e) : resolve())));
}

export async function copyFromContainer(client: DockerClient, id: string, containerPath: string, hostPath: string, containerName: string, opts: CopyOptions = {}): Promise<void> {
  const res = await client.request('GET', `/containers/${encodeURIComponent(id)}/archive`, { query: { path: containerPath } });
  if (res.statusCode === 404) {
    res.resume();
    throw new TscError('NO_SUCH_PATH', `Could not find the file ${containerPath} in container ${containerName}`);
  }
  if ((res.statusCode ?? 500) >= 400) {
    res.resume();
    throw new TscError('COPY_FAILED', `copying from ${containerName}:${containerPath}: HTTP ${res.statusCode}`);
  }
  const stage = await mkdtemp(join(tmpdir(), 'tsc-cp-'));
  try {
    await unpackTar(res, stage);
    const [top] = await readdir(stage);
    if (!top) throw new TscError('COPY_FAILED', `the container sent nothing for ${containerPath}`);
    const contentsOnly = /\/\.$/.test(containerPath);
    const target = contentsOnly ? hostPath : await destination(top, hostPath);
    await execFile(['cp', '-a', '-T', '--', join(stage, top), target]);
    // Without -a, what is copied out belongs to whoever runs the command (as with the embedded engine).
    if (!opts.archive) await execFile(['chown', '-R', '-h', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, '--', target]);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

async function destination(name: string, dest: string): Promise<string> {
  const isDir = await stat(dest).then((s) => s.isDirectory(), () => false);
  if (isDir) return join(dest, name);
  if (!(await stat(dirname(dest)).then((s) => s.isDirectory(), () => false))) throw new TscError('NO_SUCH_PATH', `no such directory: ${dirname(dest)}`);
  return dest;
}
