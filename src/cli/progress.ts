// Renders the core's progress events as Docker Compose v2 does, on stderr:
// tty (`[+] Running 3/3` and one live line per resource), plain (one line per
// event), json (one object per line) or quiet.
import type { ProgressEvent } from '../stack/events.js';
import { renderJsonEvent, renderPlainEvent } from './progress/lines.js';
import { TtyProgress } from './progress/tty.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';

export interface ProgressRenderer {
  onEvent(event: ProgressEvent): void;
  /** Final frame; call once, also after a failure. */
  done(): void;
}

export interface ProgressOptions {
  mode?: string;
  out?: NodeJS.WriteStream;
  /** Header word: Running, Stopping… */
  title?: string;
  color?: boolean;
}

export function resolveProgressMode(mode: string | undefined, out: NodeJS.WriteStream = process.stderr): Exclude<ProgressMode, 'auto'> {
  switch (mode ?? 'auto') {
    case 'tty': return 'tty';
    case 'plain': return 'plain';
    case 'json': return 'json';
    case 'quiet': return 'quiet';
    default: return out.isTTY ? 'tty' : 'plain';
  }
}

export function createProgress(opts: ProgressOptions = {}): ProgressRenderer {
  const out = opts.out ?? process.stderr;
  const mode = resolveProgressMode(opts.mode, out);
  switch (mode) {
    case 'quiet': return { onEvent: () => undefined, done: () => undefined };
    case 'json': return { onEvent: (e) => out.write(renderJsonEvent(e)), done: () => undefined };
    case 'plain': return { onEvent: (e) => out.write(renderPlainEvent(e)), done: () => undefined };
    case 'tty': return new TtyProgress(out, opts.title ?? 'Running', opts.color ?? !process.env.NO_COLOR);
  }
}
