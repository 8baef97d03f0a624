// The `web-1  | ` prefixed, coloured log writer of `logs` and attached `up`,
// as Compose's logConsumer: the prefix is padded to the longest name + 1, each
// container gets the next colour of a rotating list, stderr lines go to stderr.

export interface LogWritable {
  write(chunk: string): unknown;
}

export interface LogPrinterOptions {
  stdout: LogWritable;
  stderr: LogWritable;
  color: boolean;
  /** `web-1  | ` before each line (compose's default; off with --no-log-prefix). */
  prefix: boolean;
  /** Print each line's time (RFC 3339, nanoseconds, UTC) after the prefix. */
  timestamps: boolean;
}

const RESET = '\x1b[0m';
const colorize = (code: string) => (s: string) => `\x1b[${code}m${s}${RESET}`;
const RAINBOW = ['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1'].map(colorize);
const monochrome = (s: string) => s;

/** Whether to colour: `--ansi always|never|auto` (auto: stdout is a TTY), and `--no-color`. */
export function useColor(opts: { ansi?: string; noColor?: boolean; isTTY?: boolean }): boolean {
  if (opts.noColor) return false;
  if (opts.ansi === 'always') return true;
  if (opts.ansi === 'never') return false;
  return Boolean(opts.isTTY) && process.env.NO_COLOR === undefined;
}

interface Presenter {
  name: string;
  color: (s: string) => string;
  prefix: string;
}

export class LogPrinter {
  private readonly presenters = new Map<string, Presenter>();
  private next = 0;
  private width = 0;

  constructor(private readonly opts: LogPrinterOptions) {}

  /** Makes a prefix for `name`; registering every name first aligns all prefixes from the first line. */
  register(name: string): void {
    if (this.presenters.has(name)) return;
    const color = this.opts.color && name !== '' ? RAINBOW[this.next++ % RAINBOW.length]! : monochrome;
    this.presenters.set(name, { name, color, prefix: '' });
    this.width = Math.max(...[...this.presenters.keys()].map((n) => n.length)) + 1;
    if (this.opts.prefix) for (const p of this.presenters.values()) p.prefix = p.color(`${p.name.padEnd(this.width)} | `);
  }

  /** A line the container wrote to stdout. `time` is the log entry's (ISO 8601). */
  out(name: string, message: string, time?: string): void {
    this.write(this.opts.stdout, name, message, time);
  }

  /** A line the container wrote to stderr. */
  err(name: string, message: string, time?: string): void {
    this.write(this.opts.stderr, name, message, time);
  }

  /** A status line (`web-1 exited with code 0`), coloured like the container's prefix. */
  status(name: string, message: string): void {
    this.register(name);
    this.opts.stdout.write(this.presenters.get(name)!.color(`${name} ${message}`) + '\n');
  }

  private write(to: LogWritable, name: string, message: string, time?: string): void {
    this.register(name);
    const p = this.presenters.get(name)!;
    const stamp = this.opts.timestamps ? `${formatLogTime(time ?? new Date().toISOString())} ` : '';
    let text = '';
    for (const line of message.split('\n')) text += `${p.prefix}${stamp}${line}\n`;
    to.write(text);
  }
}

/**
 * Docker's RFC3339NanoFixed in UTC (`2024-01-02T03:04:05.123456789Z`) from any
 * RFC 3339 time, keeping all nine digits of the fraction (Date keeps three).
 */
export function formatLogTime(time: string): string {
  const m = /^(.*?T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(time.trim());
  if (!m) return time;
  const base = Date.parse(`${m[1]}${normalizeZone(m[3] ?? 'Z')}`);
  if (Number.isNaN(base)) return time;
  const fraction = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return `${new Date(base).toISOString().slice(0, 19)}.${fraction}Z`;
}

function normalizeZone(zone: string): string {
  if (/^z$/i.test(zone)) return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}
