// The `.env` syntax of Compose, as compose-go's dotenv parser reads it (for the
// project `.env`, `--env-file` and `env_file:`):
//   KEY=value  KEY: value  export KEY=value  KEY (inherited from lookup)
//   # comments, ` #` inline comments in unquoted values
//   'single quoted' (literal), "double quoted" (escapes, several lines)
// Unquoted and double-quoted values are interpolated like Compose files.
import { ComposeError, throwIfAny } from '../util/errors.js';
import type { SourcePos } from '../util/errors.js';
import { interpolateString } from './interpolate.js';

export type Lookup = (name: string) => string | undefined;

export interface DotenvOptions {
  /** Receives `The "X" variable is not set…` warnings of interpolation. */
  warn?: (message: string) => void;
}

/** Go's unicode.IsSpace. */
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
/** compose-go's isSpace: blank but not a line break. */
const BLANK = /[\t\v\f\r \u0085\u00a0]/;
const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u;
const EXPORT = /^export[\t\n\f\r ]+/;
const ESCAPE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\',
};

/** Parse errors abort the file: nothing after them can be read reliably. */
class Stop extends Error {}

class Parser {
  private i = 0;
  readonly out = new Map<string, string>();
  readonly errors: ComposeError[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly lookup: Lookup,
    private readonly warn: ((message: string) => void) | undefined,
  ) {
    for (let k = 0; k < text.length; k++) if (text[k] === '\n') this.lineStarts.push(k + 1);
  }

  parse(): void {
    try {
      while (this.skipToStatement()) this.statement();
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
    }
  }

  private pos(offset: number): SourcePos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  private fail(offset: number, message: string): never {
    this.errors.push(new ComposeError(message, { pos: this.pos(offset), code: 'COMPOSE_ENV_FILE' }));
    throw new Stop();
  }

  /** Skips blank space and comment lines; false at the end of the text. */
  private skipToStatement(): boolean {
    const { text } = this;
    for (;;) {
      while (this.i < text.length && UNICODE_SPACE.test(text[this.i]!)) this.i++;
      if (this.i >= text.length) return false;
      if (text[this.i] !== '#') return true;
      const eol = text.indexOf('\n', this.i);
      if (eol < 0) return false;
      this.i = eol;
    }
  }

  private skipBlank(): void {
    while (this.i < this.text.length && BLANK.test(this.text[this.i]!)) this.i++;
  }

  private statement(): void {
    const { text } = this;
    if (EXPORT.test(text.slice(this.i, this.i + 16))) {
      this.i += 'export'.length;
      this.skipBlank();
    }
    const start = this.i;
    let end = start;
    while (end < text.length && !'=:\n'.includes(text[end]!)) {
      const c = String.fromCodePoint(text.codePointAt(end)!);
      if (!BLANK.test(c) && !KEY_CHAR.test(c)) {
        const line = text.slice(start).split('\n')[0]!;
        this.fail(end, `unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(line)}`);
      }
      end += c.length;
    }
    const key = trimEndSpace(text.slice(start, end));
    if (key.includes(' ')) this.fail(start, 'key cannot contain a space');
    // A bare `KEY` (at the end of a line or of the file) takes its value from lookup.
    if (end >= text.length || text[end] === '\n') {
      this.i = end + 1;
      const inherited = this.lookup(key);
      if (inherited !== undefined) this.out.set(key, inherited);
      return;
    }
    this.i = end + 1;
    this.skipBlank();
    this.out.set(key, this.value());
  }

  private value(): string {
    const { text } = this;
    const start = this.i;
    const quote = text[start];
    if (quote !== '"' && quote !== "'") {
      const eol = text.indexOf('\n', start);
      this.i = eol < 0 ? text.length : eol;
      let raw = text.slice(start, this.i);
      const comment = raw.indexOf(' #');
      if (comment >= 0) raw = raw.slice(0, comment);
      return this.expand(trimEndSpace(raw), start);
    }
    // Inside quotes a backslash escapes the quote itself and is kept before anything else.
    let raw = '';
    let escaped = false;
    for (let k = start + 1; k < text.length; k++) {
      const c = text[k]!;
      if (escaped) {
        escaped = false;
        raw += c === quote ? c : `\\${c}`;
      } else if (c === '\\') {
        escaped = true;
      } else if (c === quote) {
        this.i = k + 1;
        return quote === '"' ? this.expand(expandEscapes(raw), start) : raw;
      } else {
        raw += c;
      }
    }
    const eol = text.indexOf('\n', start);
    this.fail(start, `unterminated quoted value ${text.slice(start, eol < 0 ? text.length : eol)}`);
  }

  /** Interpolates a value: lookup first, then the keys read so far (as compose-go). */
  private expand(value: string, offset: number): string {
    const lookup: Lookup = (name) => this.lookup(name) ?? this.out.get(name);
    try {
      return interpolateString(value, lookup, { pos: this.pos(offset), warn: this.warn });
    } catch (error) {
      if (!(error instanceof ComposeError)) throw error;
      this.errors.push(error);
      return '';
    }
  }
}

function trimEndSpace(s: string): string {
  let end = s.length;
  while (end > 0 && UNICODE_SPACE.test(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/** Escape sequences of double-quoted values; `\$` stays a literal `$` through interpolation. */
function expandEscapes(raw: string): string {
  return raw.replace(ESCAPE, (m) => {
    if (m === '\\$') return '$$';
    if (m.startsWith('\\0')) {
      // compose-go reads `\0NNN` as the octal escape `\NNN`; anything else keeps `\NNN` as written.
      const digits = m.slice(2);
      const code = /^[0-7]{3}$/.test(digits) ? parseInt(digits, 8) : 256;
      return code <= 255 ? String.fromCharCode(code) : `\\${digits}`;
    }
    return SIMPLE_ESCAPES[m[1]!]!;
  });
}

/**
 * Parses `.env` text; values may use variables from `lookup` and earlier keys
 * of the same text. Errors name file:line:column (all of them, as ComposeErrors
 * when several).
 */
export function parseDotenv(text: string, file: string, lookup: Lookup = () => undefined, opts: DotenvOptions = {}): Record<string, string> {
  const parser = new Parser(text.replace(/^\uFEFF/, ''), file, lookup, opts.warn);
  parser.parse();
  throwIfAny(parser.errors);
  // fromEntries defines own properties, so even a key `__proto__` stays data.
  return Object.fromEntries(parser.out);
}
