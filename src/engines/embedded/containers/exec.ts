// `exec` in a running container. Plain execs go through ContainerRuntime.exec
// (pipes). With a TTY, runc itself makes the pty and, in the foreground, copies
// between it and its own stdio — given the user's terminal (stdio inherited)
// runc puts it in raw mode and forwards window size changes, as `runc exec -t`
// does from a shell. Detached execs are `runc exec --detach` with no stdio, or
// with a TTY under conmon (ContainerRuntime.execDetachedTty).
import { spawn } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { ExecSpec, ExecStdio } from '../../../engine/types.js';
import { readJson, writeJsonAtomic } from '../../../util/atomic-file.js';
import { TscError } from '../../../util/errors.js';
import { ProcessError } from '../../../util/exec.js';
import { buildExecProcess } from '../runtime/exec-process.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { OciSpec } from '../runtime/oci-types.js';

export async function execIn(ctr: ContainerRuntime, bundleDir: string, spec: ExecSpec, stdio: ExecStdio): Promise<number> {
  const stdin = spec.interactive ? stdio.stdin : undefined;
  if (!spec.tty && !spec.detach) return ctr.exec(bundleDir, spec, { stdin, stdout: stdio.stdout, stderr: stdio.stderr });
  const config = readJson<OciSpec>(join(bundleDir, 'config.json'));
  if (!config) throw new TscError('BUNDLE_MISSING', `no config.json in ${bundleDir}`);
  if (spec.detach && spec.tty) {
    await ctr.execDetachedTty(buildExecProcess(config, spec));
    return 0;
  }
  const tty = spec.tty === true && !spec.detach;
  const processFile = join(ctr.paths.dir, `exec-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeJsonAtomic(processFile, buildExecProcess(config, { ...spec, tty }));
  const argv = [ctr.runtime.path, ...ctr.runtime.globalArgs(), 'exec', '--process', processFile, ...(tty ? ['--tty'] : []), ...(spec.detach ? ['--detach'] : []), ctr.id];
  try {
    if (spec.detach) return await runDetached(argv);
    return await runWithTty(argv, stdin, stdio);
  } finally {
    try {
      unlinkSync(processFile);
    } catch {
      // already gone
    }
  }
}

function runDetached(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new ProcessError(argv, null, null, '', e.message)));
    child.on('close', (code, signal) => (code === 0 ? resolve(0) : reject(new ProcessError(argv, code, signal, stderr))));
  });
}

/**
 * runc's foreground TTY needs a terminal on its own side (else it opens
 * /dev/tty and fails). Without the user's terminal, `script` makes one and
 * copies it to pipes: a fallback, good for output, not for interactive use.
 */
function runWithTty(runcArgv: string[], stdin: NodeJS.ReadableStream | undefined, stdio: ExecStdio): Promise<number> {
  const terminal = stdin === process.stdin && process.stdin.isTTY && stdio.stdout === process.stdout;
  const argv = terminal ? runcArgv : ['script', '--quiet', '--return', '--command', runcArgv.map(shellQuote).join(' '), '/dev/null'];
  return new Promise((resolve, reject) => {
    // A pipe left open even without stdin: script would echo an EOF on /dev/null into the terminal.
    const child = spawn(argv[0]!, argv.slice(1), { stdio: terminal ? 'inherit' : ['pipe', 'pipe', 'pipe'] });
    if (!terminal) {
      if (stdin) stdin.pipe(child.stdin!);
      child.stdout!.on('data', (d: Buffer) => stdio.stdout.write(d));
      child.stderr!.on('data', (d: Buffer) => stdio.stderr.write(d));
    }
    child.on('error', (e) => reject(new ProcessError(argv, null, null, '', e.message)));
    child.on('close', (code, signal) => {
      if (stdin && !terminal) stdin.unpipe(child.stdin!);
      child.stdin?.destroy();
      resolve(signal ? 128 + (osConstants.signals[signal] ?? 0) : code ?? 1);
    });
  });
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
