// Drives a command through a pseudo-terminal, as a person at a terminal would:
// Node has no pty, so python3's pty module holds it. Each step waits for a
// text in the output, then types its input. The command's exit code and all
// of its output come back.
import { spawn } from 'node:child_process';

export interface PtyStep {
  /** Output to wait for (since the previous step's wait), before typing. */
  waitFor: string;
  type: string;
}

export interface PtyResult {
  code: number;
  out: string;
}

const DRIVER = `
import fcntl, json, os, pty, select, struct, sys, termios, time
argv, env, cwd, steps, rows, cols = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.chdir(cwd)
    os.execve(argv[0], argv, env)
out = b''
seen = 0
deadline = time.time() + 90
def read_some():
    global out
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r:
        raise TimeoutError('no output in time; so far: ' + out.decode('utf8', 'replace'))
    try:
        data = os.read(fd, 4096)
    except OSError:
        data = b''
    out += data
    return data != b''
for step in steps:
    want = step['waitFor'].encode()
    while out.find(want, seen) < 0:
        if not read_some():
            raise EOFError('ended before ' + repr(step['waitFor']) + '; output: ' + out.decode('utf8', 'replace'))
    seen = out.find(want, seen) + len(want)
    os.write(fd, step['type'].encode())
try:
    while read_some():
        pass
except TimeoutError:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
print(json.dumps({'code': os.waitstatus_to_exitcode(status), 'out': out.decode('utf8', 'replace')}))
`;

export function drivePty(argv: string[], opts: { cwd: string; env: Record<string, string>; steps: PtyStep[]; rows?: number; columns?: number }): Promise<PtyResult> {
  const payload = JSON.stringify([argv, opts.env, opts.cwd, opts.steps, opts.rows ?? 24, opts.columns ?? 80]);
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', DRIVER, payload], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`pty driver failed (${code}): ${stderr}`));
      resolve(JSON.parse(stdout) as PtyResult);
    });
  });
}
