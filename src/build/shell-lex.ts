// Docker's variable substitution in Dockerfile instructions (moby/buildkit
// frontend/dockerfile/shell/lex.go): quotes, the escape token, `$VAR`,
// `${VAR}`, `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`, `${VAR:?m}`,
// `${VAR?m}`, and `${VAR#p}`/`${VAR%p}` for literal prefixes/suffixes.
// `words` splits on unquoted whitespace as the shell would; `word` keeps one
// string. `used` collects the names a substitution read (for the build cache).

export interface LexOptions {
  escape?: string;
  /** Names seen by substitutions are added here. */
  used?: Set<string>;
}

export class SubstitutionError extends Error {}

export function expandWord(input: string, env: ReadonlyMap<string, string>, opts: LexOptions = {}): string {
  return new Lexer(input, env, opts).run(false).join('');
}

export function expandWords(input: string, env: ReadonlyMap<string, string>, opts: LexOptions = {}): string[] {
  return new Lexer(input, env, opts).run(true);
}

class Lexer {
  private pos = 0;
  private readonly escape: string;

  constructor(private readonly s: string, private readonly env: ReadonlyMap<string, string>, private readonly opts: LexOptions) {
    this.escape = opts.escape ?? '\\';
  }

  run(split: boolean): string[] {
    const words: string[] = [];
    let word = '';
    let inWord = false;
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos]!;
      if (split && /\s/.test(ch)) {
        if (inWord) words.push(word);
        word = '';
        inWord = false;
        this.pos++;
        continue;
      }
      inWord = true;
      if (ch === "'") word += this.singleQuoted();
      else if (ch === '"') word += this.doubleQuoted();
      else if (ch === '$') {
        const value = this.dollar();
        if (split) {
          // An unquoted substitution's value splits into words as in the shell.
          const parts = value.split(/\s+/);
          word += parts[0];
          for (const p of parts.slice(1)) {
            words.push(word);
            word = p;
          }
          if (value === '' && word === '') inWord = false;
        } else word += value;
      } else if (ch === this.escape) {
        this.pos++;
        if (this.pos < this.s.length) word += this.s[this.pos++];
        else word += ch;
      } else {
        word += ch;
        this.pos++;
      }
    }
    if (inWord) words.push(word);
    return split ? words : [words.join(' ')];
  }

  private singleQuoted(): string {
    const end = this.s.indexOf("'", this.pos + 1);
    if (end < 0) throw new SubstitutionError('unexpected end of statement while looking for matching single-quote');
    const out = this.s.slice(this.pos + 1, end);
    this.pos = end + 1;
    return out;
  }

  private doubleQuoted(): string {
    let out = '';
    this.pos++;
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos]!;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '$') out += this.dollar();
      else if (ch === this.escape) {
        const next = this.s[this.pos + 1];
        // Inside double quotes the escape only escapes `"`, `$`, and itself.
        if (next === '"' || next === '$' || next === this.escape) {
          out += next;
          this.pos += 2;
        } else {
          out += ch;
          this.pos++;
        }
      } else {
        out += ch;
        this.pos++;
      }
    }
    throw new SubstitutionError('unexpected end of statement while looking for matching double-quote');
  }

  private lookup(name: string): string | undefined {
    this.opts.used?.add(name);
    return this.env.get(name);
  }

  /** At a `$`: the substituted text (a lone `$` stays). */
  private dollar(): string {
    this.pos++;
    const ch = this.s[this.pos];
    if (ch === '{') return this.braced();
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(this.s.slice(this.pos));
    if (!m) return '$';
    this.pos += m[0].length;
    return this.lookup(m[0]) ?? '';
  }

  private braced(): string {
    this.pos++;
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos));
    if (!m) throw new SubstitutionError(`bad substitution: \${${this.s.slice(this.pos, this.s.indexOf('}', this.pos))}}`);
    const name = m[0];
    this.pos += name.length;
    if (this.s[this.pos] === '}') {
      this.pos++;
      return this.lookup(name) ?? '';
    }
    const op = /^(:[-+?]|[-+?]|##?|%%?)/.exec(this.s.slice(this.pos))?.[0];
    if (!op) throw new SubstitutionError(`unsupported modifier (${this.s[this.pos] ?? 'end'}) in substitution of ${name}`);
    this.pos += op.length;
    const word = this.nestedWord();
    const value = this.lookup(name);
    const set = value !== undefined && (!op.startsWith(':') || value !== '');
    switch (op) {
      case ':-': case '-': return set ? value! : word;
      case ':+': case '+': return set ? word : '';
      case ':?': case '?':
        if (!set) throw new SubstitutionError(`${name}: ${word || 'is not allowed to be unset'}`);
        return value!;
      case '#': case '##': return value?.startsWith(word) ? value.slice(word.length) : value ?? '';
      default: return value?.endsWith(word) && word ? value.slice(0, -word.length) : value ?? '';
    }
  }

  /** The word of `${VAR:-word}` up to its `}`, itself substituted. */
  private nestedWord(): string {
    let out = '';
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos]!;
      if (ch === '}') {
        this.pos++;
        return out;
      }
      if (ch === '$') out += this.dollar();
      else if (ch === "'") out += this.singleQuoted();
      else if (ch === '"') out += this.doubleQuoted();
      else if (ch === this.escape && this.pos + 1 < this.s.length) {
        out += this.s[this.pos + 1];
        this.pos += 2;
      } else {
        out += ch;
        this.pos++;
      }
    }
    throw new SubstitutionError('syntax error: missing \'}\'');
  }
}
