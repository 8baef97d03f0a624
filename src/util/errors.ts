import { relative, isAbsolute } from 'node:path';

/** Base of every error tscompose reports to a user: a stable code, a message, an exit code. */
export class TscError extends Error {
  readonly code: string;
  exitCode = 1;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
  /** What the CLI prints for this error. */
  format(): string {
    return this.message;
  }
}

/** Where in a Compose file something is. Lines and columns are 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export type ComposePath = ReadonlyArray<string | number>;

/** `['services','web','ports',1]` → `services.web.ports[1]` */
export function formatPath(path: ComposePath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

export function displayFile(file: string, cwd = process.cwd()): string {
  if (file === '-' || !isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** A mistake in the user's Compose input, with the place it is at. */
export class ComposeError extends TscError {
  readonly pos: SourcePos | undefined;
  readonly path: ComposePath | undefined;
  constructor(message: string, opts: { pos?: SourcePos; path?: ComposePath; code?: string } = {}) {
    super(opts.code ?? 'COMPOSE_INVALID', message);
    this.pos = opts.pos;
    this.path = opts.path;
  }
  override format(): string {
    const where = this.pos ? `${displayFile(this.pos.file)}:${this.pos.line}:${this.pos.column}: ` : '';
    return `${where}${this.message}`;
  }
}

/** Several Compose errors found at once (validation reports all of them). */
export class ComposeErrors extends TscError {
  readonly errors: ComposeError[];
  constructor(errors: ComposeError[]) {
    super(errors[0]?.code ?? 'COMPOSE_INVALID', errors.map((e) => e.format()).join('\n'));
    this.errors = errors;
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}

/** Throws the collected errors, if any: one as itself, several together. */
export function throwIfAny(errors: ComposeError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ComposeErrors(errors);
}

/** Ends a command with an exit code and no message: `exec` and `wait` pass their container's code through. */
export class ExitCodeError extends TscError {
  constructor(exitCode: number) {
    super('EXIT_CODE', '');
    this.exitCode = exitCode;
  }
}

/** The command was interrupted (Ctrl-C, SIGTERM) and stopped cleanly: exit 130, as Docker Compose. */
export class CanceledError extends TscError {
  readonly signal: string;
  constructor(signal: string) {
    super('CANCELED', `canceled (${signal}): what was in progress was finished or undone, nothing else was started; run the command again to finish`);
    this.signal = signal;
    this.exitCode = 130;
  }
}
