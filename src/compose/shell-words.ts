// Splits a command string into words the way Compose does (compose-go uses
// mattn/go-shellwords with environment and backtick expansion off): quotes and
// backslashes group, `\t`/`\n` escapes, and an unquoted `;`, `&`, `|`, `<` or
// `>` ends the command (what follows is dropped, as in Compose).

export class ShellWordsError extends Error {}

const SPACE = new Set([' ', '\t', '\r', '\n']);
const STOP = new Set([';', '&', '|', '<', '>']);

/** Throws ShellWordsError("invalid command line string") on unbalanced quotes or a stray `(`. */
export function splitShellWords(line: string): string[] {
  const args: string[] = [];
  let buf = '';
  let escaped = false;
  let single = false;
  let double = false;
  let backQuote = false;
  let dollarQuote = false;
  let got: 'none' | 'single' | 'quoted' = 'none';

  loop: for (const ch of line) {
    if (escaped) {
      buf += ch === 't' ? '\t' : ch === 'n' ? '\n' : ch;
      escaped = false;
      got = 'single';
      continue;
    }
    if (ch === '\\') {
      if (single) buf += ch;
      else escaped = true;
      continue;
    }
    if (SPACE.has(ch)) {
      if (single || double || backQuote || dollarQuote) buf += ch;
      else if (got !== 'none') {
        args.push(buf);
        buf = '';
        got = 'none';
      }
      continue;
    }
    switch (ch) {
      case '`':
        if (!single && !double && !dollarQuote) backQuote = !backQuote;
        break;
      case ')':
        if (!single && !double && !backQuote) dollarQuote = !dollarQuote;
        break;
      case '(':
        if (!single && !double && !backQuote) {
          if (!dollarQuote && buf.endsWith('$')) {
            dollarQuote = true;
            buf += '(';
            continue;
          }
          throw new ShellWordsError('invalid command line string');
        }
        break;
      case '"':
        if (!single && !dollarQuote) {
          if (double) got = 'quoted';
          double = !double;
          continue;
        }
        break;
      case "'":
        if (!double && !dollarQuote) {
          if (single) got = 'quoted';
          single = !single;
          continue;
        }
        break;
      default:
        if (STOP.has(ch) && !(single || double || backQuote || dollarQuote)) {
          // `2>file`: the digit belongs to the redirection, not to a word.
          if (ch === '>' && /^[0-9]/.test(buf)) got = 'none';
          break loop;
        }
    }
    got = 'single';
    buf += ch;
  }
  if (got !== 'none') args.push(buf);
  if (escaped || single || double || backQuote || dollarQuote) {
    throw new ShellWordsError('invalid command line string');
  }
  return args;
}
