// The live view of a TTY: a header and one line per resource, redrawn in
// place (cursor up, clear line) while work runs, with the time each took.
import type { ProgressEvent } from '../../stack/events.js';
import { eventLabel } from './lines.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Row {
  label: string;
  parent?: string;
  status: string;
  state: ProgressEvent['state'];
  detail?: string;
  started: number;
  ended?: number;
}

export class TtyProgress {
  private readonly rows = new Map<string, Row>();
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream, private readonly title: string, private readonly color: boolean) {}

  onEvent(e: ProgressEvent): void {
    const label = eventLabel(e);
    // A layer two services share is a row under each.
    const key = e.parent ? `${e.parent}\0${label}` : label;
    const row = this.rows.get(key);
    const now = Date.now();
    if (!row) this.rows.set(key, { label, parent: e.parent, status: e.status, state: e.state, detail: e.detail, started: now, ended: e.state === 'working' ? undefined : now });
    else Object.assign(row, { status: e.status, state: e.state, detail: e.detail, ended: e.state === 'working' ? undefined : now });
    this.timer ??= setInterval(() => this.draw(), 100);
    this.draw();
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.rows.size > 0) this.draw();
  }

  private draw(): void {
    this.frame++;
    // Rows under a parent (a service's layers) follow it, indented.
    const all = [...this.rows.values()];
    const rows = all.filter((r) => !r.parent || !this.rows.has(r.parent)).flatMap((r) => [r, ...all.filter((c) => c.parent === r.label)]);
    const finished = rows.filter((r) => r.state !== 'working').length;
    const width = Math.max(...rows.map((r) => r.label.length + (r.parent ? 2 : 0)));
    const columns = this.out.columns || 80;
    const lines = [`${this.paint('34', '[+]')} ${this.title} ${finished}/${rows.length}`];
    for (const r of rows) {
      const icon = r.state === 'done' ? this.paint('32', '✔') : r.state === 'error' ? this.paint('31', '✘') : SPINNER[this.frame % SPINNER.length]!;
      const seconds = `${(((r.ended ?? Date.now()) - r.started) / 1000).toFixed(1)}s`;
      // A wrapped line would break the cursor-up redraw: cut to the terminal width.
      const indent = r.parent && this.rows.has(r.parent) ? '  ' : '';
      const full = ` ${r.label.padEnd(width - indent.length)}  ${r.status}${r.detail ? ` ${r.detail.replace(/\s*[\r\n]+\s*/g, ' ')}` : ''}`;
      const room = columns - seconds.length - 4 - indent.length;
      const text = full.length > room ? `${full.slice(0, Math.max(10, room - 1))}…` : full;
      const plainLength = 2 + indent.length + text.length;
      const pad = Math.max(1, columns - plainLength - seconds.length - 1);
      lines.push(` ${indent}${icon}${r.state === 'error' ? this.paint('31', text) : text}${' '.repeat(pad)}${this.paint('2', seconds)}`);
    }
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(up + lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.drawn = lines.length;
  }

  private paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}
