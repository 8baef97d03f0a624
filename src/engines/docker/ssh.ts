// `ssh://` engines, reached as the docker CLI reaches them: the system's ssh
// (its config, agent, known_hosts) runs `docker system dial-stdio` on the
// remote host, and the child's stdin/stdout are one HTTP connection.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

export interface SshTarget {
  host: string;
  user?: string;
  port?: number;
  /** Remote socket: `DOCKER_HOST=unix://PATH docker system dial-stdio`. */
  socketPath?: string;
}

/** ssh's argv: `--` before the host so that a host name can never be read as an option. */
export function sshArgv(target: SshTarget, env: NodeJS.ProcessEnv = process.env): string[] {
  const argv = ['ssh', '-o', 'ConnectTimeout=30', '-T'];
  if (target.user) argv.push('-l', target.user);
  if (target.port) argv.push('-p', String(target.port));
  const remote = ['docker', 'system', 'dial-stdio'];
  if (target.socketPath) remote.unshift(`DOCKER_HOST=unix://${shellQuote(target.socketPath)}`);
  argv.push(...(env.TSCOMPOSE_SSH_OPTS ? env.TSCOMPOSE_SSH_OPTS.split(/\s+/).filter(Boolean) : []));
  argv.push('--', target.host, ...remote);
  return argv;
}

function shellQuote(s: string): string {
  return /^[\w/.-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One connection to the remote engine: a Duplex over an ssh child. */
export function connectOverSsh(target: SshTarget): Duplex {
  const [cmd, ...args] = sshArgv(target);
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
  const duplex = new Duplex({
    write(chunk, _enc, cb) {
      child.stdin.write(chunk, cb);
    },
    final(cb) {
      child.stdin.end();
      cb();
    },
    read() {
      child.stdout.resume();
    },
    destroy(error, cb) {
      if (child.exitCode === null) child.kill('SIGTERM');
      cb(error);
    },
  });
  child.stdout.on('data', (d: Buffer) => {
    if (!duplex.push(d)) child.stdout.pause();
  });
  child.stdout.on('end', () => duplex.push(null));
  child.on('error', (e) => duplex.destroy(new Error(`ssh to ${target.host}: ${e.message}`)));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null && !duplex.destroyed) {
      duplex.destroy(new Error(`ssh to ${target.host} failed (exit ${code})${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    }
  });
  // http.Agent treats the connection as a socket.
  Object.assign(duplex, { setTimeout: () => duplex, setNoDelay: () => duplex, setKeepAlive: () => duplex, ref: () => duplex, unref: () => duplex });
  return duplex;
}
