// COPY and ADD as prepared steps: sources matched and checksummed for the
// cache key (content and metadata, not mtimes), then written into the
// workspace with Docker's rules (directory contents, destination directories,
// --chown/--chmod/--exclude, heredocs, local tars unpacked by ADD; remote
// sources refused, the builder works offline).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { isIgnored, parseDockerignore } from '../../../build/dockerignore.js';
import { DockerfileError } from '../../../build/errors.js';
import type { Instruction } from '../../../build/instructions.js';
import { resolveUser } from '../runtime/user.js';
import { openDecompressed } from '../snapshots/decompress.js';
import { unpackTar } from '../snapshots/unpack-tar.js';
import { resolveInRoot } from '../volumes/scoped-path.js';
import { copyEntries, isDirIn, makeDirs, type CopyOwner } from './copy-into.js';
import type { FileSteps, PreparedStep } from './file-steps.js';
import { checksumEntries, matchSources, resolveSource, SourceError, walkSource, type SourceTree } from './source-tree.js';
import { chainKey, type StageState } from './state.js';
import { absoluteIn } from './steps.js';
import type { Workspace } from './workspace.js';

export async function prepareCopy(steps: FileSteps, state: StageState, ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>, x: (w: string) => string): Promise<PreparedStep> {
  const sources = ins.sources.map(x);
  const destText = x(ins.dest);
  const dest = absoluteIn(state, destText);
  if (ins.kind === 'ADD') {
    if (ins.checksum) steps.fail(ins, 'ADD --checksum applies to URLs, which the embedded builder does not fetch', 'BUILD_ADD_URL');
    const url = sources.find((s) => /^(https?|git|ssh):\/\/|^git@|\.git(#.*)?$/.test(s));
    if (url) steps.fail(ins, `ADD ${url}: remote sources are not fetched by the embedded builder (it builds offline); download the file in a RUN step, or COPY a local copy`, 'BUILD_ADD_URL');
  }
  if (ins.chmod !== undefined && !/^[0-7]{3,4}$/.test(x(ins.chmod))) steps.fail(ins, `--chmod=${ins.chmod}: only octal modes (e.g. 0755) are supported`, 'BUILD_CHMOD_INVALID');
  const mode = ins.chmod !== undefined ? parseInt(x(ins.chmod), 8) : undefined;
  const chown = ins.chown !== undefined ? x(ins.chown) : undefined;
  const excludes = ins.excludes.length ? parseDockerignore(ins.excludes.map(x).join('\n')) : [];
  const heredocNames = new Map<string, (typeof ins.heredocs)[number]>(ins.heredocs.map((h) => [`<<${h.name}`, h]));
  const multi = sources.length > 1 || sources.some((s) => /[*?[]/.test(s));
  if (multi && !dest.endsWith('/')) steps.fail(ins, `When using ${ins.kind} with more than one source file, the destination must be a directory and end with a /`);

  // The sources are resolved now, for the cache key; the workspace is written later.
  const opened: Workspace[] = [];
  const jobs: Array<{ tree: SourceTree; rel: string; isDir: boolean; archive: boolean }> = [];
  const keyParts: string[] = [ins.kind, dest, chown ?? '', String(mode ?? ''), ins.excludes.join(',')];
  let heredocTree: SourceTree | undefined;
  try {
    const tree = await steps.treeFor(state, ins.kind === 'COPY' ? ins.from : undefined, ins, opened, x);
    for (const source of sources) {
      const heredoc = heredocNames.get(source.replace(/^<<-?/, '<<').replace(/["']/g, ''));
      let t = tree;
      let rels: string[];
      if (heredoc) {
        heredocTree ??= { dir: join(steps.o.tmpRoot, `${process.pid}-heredoc-${Date.now()}-${Math.random().toString(36).slice(2)}`), kind: 'context', ignore: [], label: 'heredoc' };
        await mkdir(heredocTree.dir, { recursive: true, mode: 0o700 });
        await writeFile(join(heredocTree.dir, heredoc.name), heredoc.expand ? x(heredoc.content) : heredoc.content, { mode: 0o644 });
        t = heredocTree;
        rels = [heredoc.name];
      } else {
        rels = await matchSources(tree, source).catch((e: Error) => steps.fail(ins, e instanceof SourceError ? `failed to compute cache key: ${e.message}` : e.message, 'BUILD_SOURCE_INVALID'));
        // --exclude applies to what a wildcard matched as to what a directory holds.
        if (excludes.length) rels = rels.filter((r) => !isIgnored(excludes, r) && !isIgnored(excludes, posix.basename(r)));
      }
      for (const rel of rels) {
        const entries = await walkSource(t, rel, excludes).catch((e: Error) => steps.fail(ins, e.message, 'BUILD_SOURCE_INVALID'));
        const isDir = entries[0]!.st.isDirectory();
        const archive = ins.kind === 'ADD' && !isDir && t.kind === 'context' && !heredoc && (await isArchive(entries[0]!.host));
        jobs.push({ tree: t, rel, isDir, archive });
        keyParts.push(`${rel}\0${await checksumEntries(entries)}`);
      }
    }
  } catch (error) {
    for (const w of opened) await w.close();
    if (heredocTree) await rm(heredocTree.dir, { recursive: true, force: true });
    throw error;
  }
  const key = chainKey(state.key, ...keyParts);
  const cleanup = async () => {
    for (const w of opened) await w.close();
    if (heredocTree) await rm(heredocTree.dir, { recursive: true, force: true });
  };
  const execute = async (ws: Workspace) => {
    {
      const owner = chown !== undefined ? ownerIn(ws.rootfs, chown, ins, steps.o.graph.file) : undefined;
      const destIsDir = dest.endsWith('/') || (await isDirIn(ws.rootfs, dest));
      for (const job of jobs) {
        if (job.archive) {
          await makeDirs(ws.rootfs, dest, owner);
          await unpackInto(ws, job, dest, owner, mode);
          continue;
        }
        const entries = await walkSource(job.tree, job.rel, excludes);
        const target = job.isDir ? dest : destIsDir ? posix.join(dest, posix.basename(job.rel)) : dest;
        await makeDirs(ws.rootfs, job.isDir ? target : posix.dirname(target), owner);
        const keepOwner = job.tree.kind === 'rootfs';
        // A directory source copies its contents: its own entry becomes the (existing) destination.
        await copyEntries(ws.rootfs, job.isDir ? entries.slice(1) : entries, target, { owner, keepOwner, mode });
      }
    }
  };
  return { key, describe: {}, execute, release: cleanup };
}

async function unpackInto(ws: Workspace, job: { tree: SourceTree; rel: string }, dest: string, owner: CopyOwner | undefined, mode: number | undefined): Promise<void> {
  const host = await resolveSource(job.tree, job.rel);
  const tmp = join(ws.dir, 'archive');
  await mkdir(tmp, { mode: 0o755 });
  try {
    await unpackTar(await openDecompressed(host), tmp);
    const tree: SourceTree = { dir: tmp, kind: 'rootfs', ignore: [], label: 'archive' };
    const entries = await walkSource(tree, '');
    await copyEntries(ws.rootfs, entries.slice(1), dest.replace(/\/$/, '') || '/', { owner, keepOwner: true, mode });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** --chown user[:group] resolved against the destination's /etc/passwd and /etc/group (read inside its root). */
function ownerIn(rootfs: string, chown: string, ins: Instruction, file: string): CopyOwner {
  const read = (p: string) => {
    const host = resolveInRoot(rootfs, p);
    try {
      return existsSync(host) ? readFileSync(host, 'utf8') : '';
    } catch {
      return '';
    }
  };
  try {
    const u = resolveUser(chown, { passwd: read('/etc/passwd'), group: read('/etc/group') });
    return { uid: u.uid, gid: u.gid };
  } catch (error) {
    throw new DockerfileError(file, ins.line, `--chown=${chown}: ${(error as Error).message}`, 'BUILD_CHOWN_INVALID');
  }
}

/** A tar (plain, gzip, bzip2 or xz) that ADD unpacks, by its first bytes. */
async function isArchive(file: string): Promise<boolean> {
  // Docker's rule: a tar, plain or compressed (gzip, bzip2, xz, zstd), by its content, not its name.
  const stream = await openDecompressed(file);
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= 512) break;
    }
  } catch {
    return false;
  } finally {
    stream.destroy();
  }
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}
