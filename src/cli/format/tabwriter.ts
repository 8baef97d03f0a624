// Go's text/tabwriter (left-aligned, space padding), which Docker and Compose
// print their tables with: a cell is text ended by a tab; the text after a
// line's last tab is not part of a column. Column widths are computed per
// block of consecutive lines that have that column, as Go does.

export interface TabwriterOptions {
  minWidth: number;
  padding: number;
}

/** docker CLI tables (`docker ps`, `docker image ls`, compose ps). */
export const DOCKER_TABLE: TabwriterOptions = { minWidth: 10, padding: 3 };
/** Compose's PrintPrettySection (ls, images, top). */
export const COMPOSE_SECTION: TabwriterOptions = { minWidth: 20, padding: 3 };

const width = (s: string) => [...s].length;

export function tabwrite(text: string, opts: TabwriterOptions): string {
  const lines = text.split('\n');
  const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = cells[i]!;
      out.push(line.map((c, j) => (j < widths.length ? c + ' '.repeat(Math.max(0, widths[j]! - width(c))) : c)).join(''));
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let at = line0; at < line1; at++) {
      if (column >= cells[at]!.length - 1) continue;
      writeLines(line0, at);
      line0 = at;
      let w = opts.minWidth;
      for (; at < line1; at++) {
        const line = cells[at]!;
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column]!) + opts.padding);
      }
      widths.push(w);
      format(line0, at);
      widths.pop();
      line0 = at;
    }
    writeLines(line0, line1);
  };
  format(0, cells.length);
  return out.map((l) => `${l}\n`).join('').slice(0, endsWithNewline ? undefined : -1);
}

/** A header line and rows, joined with tabs like Compose's `Fprintf(w, "%s\t%s\n")`. */
export function renderTable(headers: string[], rows: string[][], opts: TabwriterOptions = DOCKER_TABLE): string {
  return tabwrite([headers, ...rows].map((r) => `${r.join('\t')}\n`).join(''), opts);
}
