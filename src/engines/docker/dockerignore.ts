// .dockerignore as the docker CLI reads it (moby/patternmatcher): one
// pattern a line, `#` comments, `!` re-includes, the last match wins; a
// pattern that matches a directory matches everything under it; `**` spans
// directories, `*` and `?` stay within one, `[...]` is a class.

export interface IgnorePattern {
  exclusion: boolean;
  regex: RegExp;
  /** Directory depth of the pattern: a `!` pattern can only match under the directories it names. */
  text: string;
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    line = cleanPath(line);
    if (!line) continue;
    out.push({ exclusion, regex: patternRegex(line), text: line });
  }
  return out;
}

/** Go's filepath.Clean on a slash path, without the leading slash. */
function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function patternRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` anything.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
      } else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += `\\${pattern[++i]}`;
    } else {
      re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
    }
  }
  // A match on a parent directory matches its contents.
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** Whether `path` (relative, with slashes) is left out of the context. */
export function isIgnored(patterns: IgnorePattern[], path: string): boolean {
  let ignored = false;
  for (const p of patterns) {
    if (p.regex.test(path)) ignored = !p.exclusion;
  }
  return ignored;
}

/** Whether some `!` pattern could re-include something under the ignored directory `dir`. */
export function mayReinclude(patterns: IgnorePattern[], dir: string): boolean {
  return patterns.some((p) => p.exclusion && (p.text.includes('**') || p.text.startsWith(`${dir}/`) || /[*?[]/.test(p.text.split('/').slice(0, dir.split('/').length).join('/'))));
}
