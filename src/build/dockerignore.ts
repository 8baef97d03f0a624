// `.dockerignore` as Docker reads it (moby/patternmatcher): one pattern a
// line, `#` comments, `!` exceptions, the last matching pattern decides, `**`
// for any number of directories, a leading `/` and `./` mean the context root,
// and a pattern that matches a directory matches everything in it.

export interface IgnorePattern {
  text: string;
  exclusion: boolean;
  regex: RegExp;
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (!line) continue;
    let exclusion = false;
    if (line.startsWith('!')) {
      exclusion = true;
      line = line.slice(1).trim();
    }
    const clean = cleanPath(line);
    if (!clean) continue;
    out.push({ text: clean, exclusion, regex: compilePattern(clean) });
  }
  return out;
}

/** Go's filepath.Clean, without the leading `/`. */
function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function compilePattern(p: string): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*') {
      if (p[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` everything.
        if (p[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = p.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (ch === '\\' && i + 1 < p.length) {
      re += escapeRegex(p[++i]!);
    } else re += escapeRegex(ch);
  }
  return new RegExp(`${re}$`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Whether `path` (relative, `/`-separated) is excluded: the last pattern that matches it or a parent decides. */
export function isIgnored(patterns: IgnorePattern[], path: string): boolean {
  const parents: string[] = [];
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
  let ignored = false;
  for (const p of patterns) {
    if (p.exclusion !== ignored) continue;
    const hit = p.regex.test(path) || parents.some((d) => p.regex.test(d));
    if (hit) ignored = !p.exclusion;
  }
  return ignored;
}

/** Whether an excluded directory must still be walked: some exception could match inside it. */
export function mayHaveExceptionsUnder(patterns: IgnorePattern[], dir: string): boolean {
  return patterns.some((p) => p.exclusion && (p.text.startsWith(`${dir}/`) || p.text.includes('*') || p.text.includes('?') || p.text.includes('[')));
}
