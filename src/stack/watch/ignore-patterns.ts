// `.dockerignore` patterns (moby/patternmatcher): `*` and `?` within one path
// element, `**` across elements, `[...]` classes, `\` escapes, `!` to take a
// path back; the last pattern that matches a path or one of its parents wins.
// Watch's `ignore`/`include` and the build context's .dockerignore use them.
// (The builder has a matcher of its own for build contexts; one should stay.)
import { readFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';

interface Pattern {
  exclusion: boolean;
  regex: RegExp;
}

export interface PathMatcher {
  /** Whether the host path (absolute) is matched by the patterns (it or a parent). */
  matches(path: string): boolean;
  readonly empty: boolean;
}

/** Patterns relative to `root`; paths outside `root` never match. */
export function patternMatcher(root: string, patterns: readonly string[]): PathMatcher {
  const compiled = patterns.map(cleanPattern).filter((p): p is string => p !== undefined).map(compilePattern);
  return {
    empty: compiled.length === 0,
    matches(path: string): boolean {
      const rel = relative(root, path).split(sep).join('/');
      if (rel === '' || rel === '..' || rel.startsWith('../')) return false;
      return matchesOrParentMatches(compiled, rel);
    },
  };
}

/** A matcher that matches when any of `matchers` does. */
export function anyMatcher(matchers: readonly PathMatcher[]): PathMatcher {
  const live = matchers.filter((m) => !m.empty);
  return { empty: live.length === 0, matches: (path) => live.some((m) => m.matches(path)) };
}

/** Editors' temporary files (Docker Compose's EphemeralPathMatcher). */
export const EPHEMERAL_PATTERNS: readonly string[] = [
  '**/*___jb_old___', '**/*___jb_tmp___', '**/.idea/**', '**/.#*',
  '**/4913', '**/*~', '**/.*.swp', '**/.*.swx', '**/.*.swo', '**/.*.swn',
];

/** The lines of a .dockerignore as patterns (comments and blank lines dropped). */
export function parseIgnoreFile(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** The build context's `<Dockerfile>.dockerignore`, else its `.dockerignore`; [] when there is none. */
export function readDockerignore(context: string, dockerfile = 'Dockerfile'): string[] {
  for (const name of [`${basename(dockerfile)}.dockerignore`, '.dockerignore']) {
    try {
      return parseIgnoreFile(readFileSync(join(context, name), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return [];
}

function cleanPattern(raw: string): string | undefined {
  let p = raw.trim();
  if (p === '') return undefined;
  const exclusion = p.startsWith('!');
  if (exclusion) p = p.slice(1).trim();
  p = cleanSlashPath(p).replace(/^\/+/, '');
  if (p === '' || p === '.') return undefined;
  return exclusion ? `!${p}` : p;
}

/** filepath.Clean for `/`-separated patterns (keeps `\` escapes). */
function cleanSlashPath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part === '..' && abs) continue;
    else out.push(part);
  }
  return (abs ? '/' : '') + out.join('/');
}

function compilePattern(text: string): Pattern {
  const exclusion = text.startsWith('!');
  const p = exclusion ? text.slice(1) : text;
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        re += i + 1 >= p.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      const next = p[++i];
      if (next !== undefined) re += escapeChar(next);
    } else if (ch === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = p.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('^') || body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else {
      re += escapeChar(ch);
    }
  }
  return { exclusion, regex: new RegExp(`${re}$`, 's') };
}

function escapeChar(ch: string): string {
  return /[.+()|{}^$\[\]\\*?]/.test(ch) ? `\\${ch}` : ch;
}

function matchesOrParentMatches(patterns: readonly Pattern[], rel: string): boolean {
  const parts = rel.split('/');
  let matched = false;
  for (const pattern of patterns) {
    // Only a pattern that could change the answer is tried (exclusions undo, others add).
    if (pattern.exclusion !== matched) continue;
    let hit = pattern.regex.test(rel);
    for (let i = 1; !hit && i < parts.length; i++) hit = pattern.regex.test(parts.slice(0, i).join('/'));
    if (hit) matched = !pattern.exclusion;
  }
  return matched;
}
