// Where COPY/ADD read from: the build context (a host directory the user
// gave, with .dockerignore) or another stage's root filesystem (mounted
// read-only). Paths are resolved without ever leaving the tree: in the
// context a symlink on a source path is followed only while it stays inside
// the context (else the COPY is refused); in a stage's rootfs symlinks resolve
// as the container would see them (scoped to its root).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Stats } from 'node:fs';
import { isIgnored, type IgnorePattern } from '../../../build/dockerignore.js';
import { TscError } from '../../../util/errors.js';
import { resolveInRoot } from '../volumes/scoped-path.js';

export interface SourceEntry {
  /** Path relative to the matched source (`''` for the source itself). */
  rel: string;
  host: string;
  st: Stats;
  link?: string;
}

export interface SourceTree {
  /** Host directory of the tree's root. */
  dir: string;
  kind: 'context' | 'rootfs';
  /** .dockerignore patterns (context only). */
  ignore: IgnorePattern[];
  /** For messages: `context`, `stage builder`. */
  label: string;
}

export class SourceError extends TscError {}

/** The relative paths (from the tree root) that a COPY source names; wildcards expanded. */
export async function matchSources(tree: SourceTree, source: string): Promise<string[]> {
  const clean = posix.normalize(`/${source}`).slice(1).replace(/\/$/, '');
  if (clean.startsWith('..')) throw new SourceError('BUILD_SOURCE_OUTSIDE', `${source}: the path is outside the ${tree.label}`);
  if (!/[*?[]/.test(clean)) {
    if (clean && isIgnored(tree.ignore, clean)) throw notFound(tree, source);
    await resolveSource(tree, clean, source);
    return [clean];
  }
  let found = [''];
  for (const part of clean.split('/')) {
    const re = globPart(part);
    const next: string[] = [];
    for (const base of found) {
      const host = await resolveSource(tree, base, source).catch(() => undefined);
      if (!host) continue;
      const names = await readdir(host).catch(() => [] as string[]);
      for (const n of names.sort()) {
        const rel = base ? `${base}/${n}` : n;
        if (re.test(n) && !isIgnored(tree.ignore, rel)) next.push(rel);
      }
    }
    found = next;
  }
  if (found.length === 0) throw notFound(tree, source);
  return found;
}

function notFound(tree: SourceTree, source: string): SourceError {
  return new SourceError('BUILD_SOURCE_NOT_FOUND', `"${source}" not found in the ${tree.label}${tree.kind === 'context' ? ' (or excluded by .dockerignore)' : ''}`);
}

function globPart(p: string): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${p.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** The host path of `rel` in the tree (symlinks on the way resolved as described above). */
export async function resolveSource(tree: SourceTree, rel: string, shown = rel): Promise<string> {
  if (tree.kind === 'rootfs') {
    const host = resolveInRoot(tree.dir, `/${rel}`);
    if (!(await lstat(host).catch(() => undefined))) throw notFound(tree, shown);
    return host;
  }
  const done: string[] = [];
  let pending = rel.split('/').filter(Boolean);
  let hops = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '..') {
      if (done.length === 0) throw outside(shown);
      done.pop();
      continue;
    }
    const host = join(tree.dir, ...done, part);
    const st = await lstat(host).catch(() => undefined);
    if (!st) throw notFound(tree, shown);
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > 40) throw new SourceError('SYMLINK_LOOP', `${shown}: too many levels of symbolic links`);
    const target = await readlink(host);
    if (target.startsWith('/')) throw outside(shown, target);
    pending = [...target.split('/').filter((p) => p && p !== '.'), ...pending];
    // Each `..` is checked against what is resolved so far, so the walk never climbs above the context.
  }
  return join(tree.dir, ...done);
}

function outside(shown: string, target?: string): SourceError {
  return new SourceError('BUILD_SOURCE_OUTSIDE', `${shown}: ${target ? `a symlink to "${target}" ` : 'the path '}leads outside the build context; COPY never reads outside it`);
}

/** Everything a source names, itself first, children in name order, excluded paths left out. Symlinks are entries, never followed. */
export async function walkSource(tree: SourceTree, relFromRoot: string, excludes: IgnorePattern[] = []): Promise<SourceEntry[]> {
  const host = await resolveSource(tree, relFromRoot);
  const out: SourceEntry[] = [];
  const visit = async (rel: string, path: string, st: Stats) => {
    out.push({ rel, host: path, st, ...(st.isSymbolicLink() ? { link: await readlink(path) } : {}) });
    if (!st.isDirectory()) return;
    for (const name of (await readdir(path)).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const fromRoot = relFromRoot ? `${relFromRoot}/${childRel}` : childRel;
      if (isIgnored(tree.ignore, fromRoot) || (excludes.length && isIgnored(excludes, childRel))) continue;
      const child = join(path, name);
      await visit(childRel, child, await lstat(child));
    }
  };
  await visit('', host, await lstat(host));
  return out;
}

/** A checksum of entries' names, types, modes, sizes, link targets and content: not mtimes, not owners. */
export async function checksumEntries(entries: SourceEntry[]): Promise<string> {
  const hash = createHash('sha256');
  for (const e of entries) {
    const type = e.st.isDirectory() ? 'd' : e.st.isSymbolicLink() ? 'l' : e.st.isFile() ? 'f' : 'o';
    hash.update(`${e.rel}\0${type}\0${(e.st.mode & 0o7777).toString(8)}\0`);
    if (e.link !== undefined) hash.update(`${e.link}\0`);
    if (e.st.isFile()) {
      hash.update(`${e.st.size}\0`);
      for await (const chunk of createReadStream(e.host)) hash.update(chunk as Buffer);
    }
    hash.update('\n');
  }
  return hash.digest('hex');
}
