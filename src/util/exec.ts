// Child processes that fail as error objects carrying argv, exit code, signal
// and the tail of stderr, with the exit code explained in words.
import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import { TscError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Milliseconds before the child is killed with SIGKILL. */
  timeout?: number;
  /** Exit codes that are not failures (default: only 0). */
  okCodes?: number[];
  stdio?: SpawnOptions['stdio'];
  /**
   * A session of its own (default): Ctrl-C at the terminal signals the whole
   * foreground process group, and a step being cancelled must finish, not have
   * its `runc`, `mount` or `iptables` killed half-way. False for a helper that
   * may ask the user on the terminal (credential helpers).
   */
  detached?: boolean;
  /** Descriptors handed to the child as its fds 3, 4, … */
  extraFds?: number[];
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

const SIGNAL_NAMES = Object.fromEntries(Object.entries(constants.signals).map(([name, num]) => [num, name]));

export class ProcessError extends TscError {
  readonly argv: string[];
  readonly exitCode_: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  constructor(argv: string[], code: number | null, signal: NodeJS.Signals | null, stderr: string, cause?: string) {
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    super('PROCESS_FAILED', `${argv.join(' ')}: ${cause ?? explainExit(code, signal)}${tail ? `\n${tail}` : ''}`);
    this.argv = argv;
    this.exitCode_ = code;
    this.signal = signal;
    this.stderr = stderr;
  }
}

export function explainExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by signal ${signal}`;
  if (code === null) return 'did not exit';
  if (code === 126) return 'exit code 126 (command found but not executable)';
  if (code === 127) return 'exit code 127 (command not found)';
  if (code > 128 && SIGNAL_NAMES[code - 128]) return `exit code ${code} (killed by ${SIGNAL_NAMES[code - 128]})`;
  return `exit code ${code}`;
}

/** Runs argv[0] with the rest as arguments; resolves with its output, rejects with a ProcessError. */
export function execFile(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new TypeError('execFile: empty argv'));
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe', ...(opts.extraFds ?? [])], detached: opts.detached ?? true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeout) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(new ProcessError(argv, null, null, '', e.code === 'ENOENT' ? `${cmd} not found in PATH` : e.message));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result = { code: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      const ok = opts.okCodes ?? [0];
      if (signal || code === null || !ok.includes(code)) reject(new ProcessError(argv, code, signal, result.stderr));
      else resolve(result);
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}
