// `web-1  | ` prefixes of attached output, coloured per container as Compose does.
const COLORS = ['36', '33', '32', '35', '34', '96', '93', '92', '95', '94'];

export interface LogPrefixer {
  prefix(container: string): string;
  exited(container: string, code: number): string;
}

/** `names` are container names; the project prefix is dropped (`demo-web-1` → `web-1`). */
export function createLogPrefixer(project: string, names: string[], opts: { color: boolean; noPrefix?: boolean }): LogPrefixer {
  const short = (n: string) => (n.startsWith(`${project}-`) ? n.slice(project.length + 1) : n);
  const width = Math.max(0, ...names.map((n) => short(n).length));
  const colorOf = new Map(names.map((n, i) => [n, COLORS[i % COLORS.length]!]));
  const paint = (n: string, text: string) => (opts.color ? `\x1b[${colorOf.get(n) ?? '0'}m${text}\x1b[0m` : text);
  return {
    prefix: (n) => (opts.noPrefix ? '' : paint(n, `${short(n).padEnd(width + 1)} | `)),
    exited: (n, code) => paint(n, `${short(n)} exited with code ${code}`),
  };
}
