// Docker's detach keys: `ctrl-p,ctrl-q` by default, a comma-separated list of
// single characters or `ctrl-<a-z @ [ \ ] ^ _>` (moby/term ToBytes). Typed
// while attached, the sequence detaches instead of reaching the container.
import { TscError } from '../util/errors.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CTRL = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/** `ctrl-p,ctrl-q` → bytes 0x10 0x11; '' → none (detaching disabled). */
export function parseDetachKeys(keys: string): Buffer {
  if (keys === '') return Buffer.alloc(0);
  const codes: number[] = [];
  for (const key of keys.split(',')) {
    const ctrl = /^ctrl-(.)$/.exec(key);
    if (ctrl && CTRL.includes(ctrl[1]!)) codes.push(CTRL.indexOf(ctrl[1]!));
    else if (key.length === 1) codes.push(key.charCodeAt(0));
    else throw new TscError('CLI_USAGE', `invalid detach keys "${keys}": use single characters or ctrl-<a-z, @, [, \\, ], ^, _>, separated by commas (default ${DEFAULT_DETACH_KEYS})`);
  }
  return Buffer.from(codes);
}

/**
 * Watches input for the detach sequence. Bytes that could start it are held
 * back until they turn out not to (then they go on, as Docker's escape proxy).
 */
export class DetachKeyFilter {
  private held = 0;

  constructor(private readonly keys: Buffer) {}

  /** What of `chunk` to send on, and whether the sequence was completed (what follows it is dropped). */
  push(chunk: Buffer): { forward: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte !== this.keys[this.held] && this.held > 0) {
        out.push(...this.keys.subarray(0, this.held));
        this.held = 0;
      }
      if (byte !== this.keys[this.held]) {
        out.push(byte);
        continue;
      }
      this.held++;
      if (this.held === this.keys.length) return { forward: Buffer.from(out), detached: true };
    }
    return { forward: Buffer.from(out), detached: false };
  }
}
