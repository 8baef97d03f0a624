// Go duration text (`1m30s`, `500ms`) and byte sizes (`64m`, `"67108864"`) as
// numbers: the loader keeps Compose's spelling, the engine wants numbers.
import { TscError } from '../util/errors.js';

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration (`1h2m3.5s`, `10s`, `0`). */
export function parseDurationMs(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (end === 0 || end !== trimmed.length) throw new TscError('INVALID_DURATION', `invalid duration "${text}": use Go syntax like 30s, 1m30s or 500ms`);
  return total;
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** Bytes of `1000`, `"67108864"`, `10m`, `1.5g` (binary units, as Docker's RAMInBytes). */
export function parseBytes(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new TscError('INVALID_SIZE', `invalid size "${value}": use a number of bytes or a unit like 64m or 1g`);
  return Math.round(Number(m[1]) * unit);
}
