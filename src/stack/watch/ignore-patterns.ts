// `.dockerignore` patterns (moby/patternmatcher): `*` and `?` within one path
// element, `**` across elements, `[...]` classes, `\` escapes, `!` to take a
// path back; the last pattern that matches a path or one of its parents wins.
// Watch's `ignore`/`include` and the build context's .dockerignore use them,
// through the builder's matcher (src/build/dockerignore.ts).
import { readFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { isIgnored, parseDockerignore } from '../../build/dockerignore.js';

export interface PathMatcher {
  /** Whether the host path (absolute) is matched by the patterns (it or a parent). */
  matches(path: string): boolean;
  readonly empty: boolean;
}

/** Patterns relative to `root`; paths outside `root` never match. */
export function patternMatcher(root: string, patterns: readonly string[]): PathMatcher {
  const compiled = parseDockerignore(patterns.join('\n'));
  return {
    empty: compiled.length === 0,
    matches(path: string): boolean {
      const rel = relative(root, path).split(sep).join('/');
      if (rel === '' || rel === '..' || rel.startsWith('../')) return false;
      return isIgnored(compiled, rel);
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
