// Times of `logs --since/--until` as Docker takes them: RFC 3339 (or a date),
// a Unix timestamp (`1700000000.5`), or a Go duration before now (`10m`, `1h30m`).
import { TscError } from '../../../util/errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** Milliseconds of a Go duration string, or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** Epoch milliseconds of a `--since`/`--until` value. */
export function parseLogTime(value: string, now = Date.now()): number {
  const duration = parseGoDuration(value);
  if (duration !== undefined) return now - duration;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const ms = parseTimestamp(value);
  if (Number.isNaN(ms)) {
    throw new TscError('INVALID_TIME', `invalid value for "since"/"until": "${value}" is not an RFC 3339 time, a Unix timestamp or a duration like 10m`);
  }
  return ms;
}

/** Epoch milliseconds of an RFC 3339 time with any number of fraction digits (conmon writes nine). */
export function parseTimestamp(time: string): number {
  return Date.parse(time.replace(/(\.\d{3})\d+/, '$1'));
}
