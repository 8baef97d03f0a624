// Dockerfile text → raw instructions, as BuildKit's parser reads it: parser
// directives at the top (`escape`, `syntax`, `check`), comment lines anywhere
// (also inside a continued instruction), line continuations with the escape
// character, and heredocs (`RUN <<EOF`, `COPY <<-"EOF" /dst`).
import { DockerfileError } from './errors.js';

export interface Heredoc {
  name: string;
  content: string;
  /** Unquoted delimiter: variables in the content are expanded (by the shell for RUN). */
  expand: boolean;
}

export interface RawInstruction {
  /** Upper case: RUN, COPY, … */
  keyword: string;
  /** `--name=value` flags before the arguments (FROM, RUN, COPY, ADD, HEALTHCHECK). */
  flags: string[];
  /** The rest of the (continued) line, comments and escape-newlines removed. */
  args: string;
  heredocs: Heredoc[];
  /** First line (1-based) and last line. */
  line: number;
  endLine: number;
  /** The instruction as written on its first line, for progress and history. */
  original: string;
}

export interface ParsedDockerfile {
  escape: string;
  /** `# syntax=` when given: we use our own front end and say so. */
  syntax?: string;
  instructions: RawInstruction[];
  warnings: string[];
}

const FLAG_INSTRUCTIONS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_-]*)\2/g;

export function parseDockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: ParsedDockerfile = { escape: '\\', instructions: [], warnings: [] };
  let i = 0;
  const seen = new Set<string>();
  // Directives: only before anything else, one of each.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[i]!);
    if (!m) break;
    const name = m[1]!.toLowerCase();
    if (seen.has(name)) throw new DockerfileError(file, i + 1, `only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileError(file, i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      out.escape = m[2]!;
    } else if (name === 'syntax') out.syntax = m[2];
  }
  if (out.syntax) out.warnings.push(`# syntax=${out.syntax} is ignored: tscompose builds with its own Dockerfile front end`);
  const esc = out.escape;
  const continued = (l: string) => l.trimEnd().endsWith(esc);
  while (i < lines.length) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++;
      continue;
    }
    const start = i;
    let joined = '';
    let line = raw;
    for (;;) {
      if (continued(line)) {
        joined += line.trimEnd().slice(0, -1);
        i++;
        // Comment and empty lines inside a continued instruction are skipped.
        while (i < lines.length && (/^\s*#/.test(lines[i]!) || lines[i]!.trim() === '')) i++;
        if (i >= lines.length) break;
        line = lines[i]!;
      } else {
        joined += line;
        i++;
        break;
      }
    }
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(joined)!;
    const keyword = m[1]!.toUpperCase();
    let rest = m[2]!.trim();
    const flags: string[] = [];
    if (FLAG_INSTRUCTIONS.has(keyword)) {
      for (;;) {
        const f = /^--([^\s=]+)(?:=((?:"[^"]*"|'[^']*'|\S)*))?(?:\s+|$)/.exec(rest);
        if (!f) break;
        flags.push(f[0].trim());
        rest = rest.slice(f[0].length);
      }
    }
    const heredocs: Heredoc[] = [];
    if (HEREDOC_INSTRUCTIONS.has(keyword) && !rest.startsWith('[')) {
      for (const h of rest.matchAll(HEREDOC)) {
        const [, dash, quote, name] = h;
        const body: string[] = [];
        for (;;) {
          if (i >= lines.length) throw new DockerfileError(file, start + 1, `unterminated heredoc <<${name}: no line "${name}" ends it`);
          const l = lines[i++]!;
          const candidate = dash ? l.replace(/^\t+/, '') : l;
          if (candidate === name) break;
          body.push(candidate);
        }
        heredocs.push({ name: name!, content: body.length ? `${body.join('\n')}\n` : '', expand: !quote });
      }
    }
    out.instructions.push({ keyword, flags, args: rest, heredocs, line: start + 1, endLine: i, original: joined.trim() });
  }
  return out;
}

/** `["a", "b"]` as a list of strings; undefined when the text is not a JSON array of strings (shell form). */
export function parseJsonArgs(args: string): string[] | undefined {
  const t = args.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // Not JSON: Docker then takes the text as shell form.
  }
  return undefined;
}

/** `--name=value` / `--name` flags into a list of [name, value] (repeatable flags keep their order). */
export function splitFlags(flags: string[]): Array<[string, string | undefined]> {
  return flags.map((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? [f.slice(2), undefined] : [f.slice(2, eq), unquote(f.slice(eq + 1))];
  });
}

function unquote(v: string): string {
  return /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
}
