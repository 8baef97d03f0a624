// Preload that logs every child process the CLI starts, with its start time
// (ms since process start) and duration, to stderr when the process exits.
// Usage: node --import ./bench/trace-spawns.mjs dist/bin.js up -d
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';

const spawns = [];
const original = childProcess.spawn;
childProcess.spawn = function tracedSpawn(cmd, args, ...rest) {
  const entry = { at: performance.now(), ms: -1, argv: [cmd, ...(Array.isArray(args) ? args : [])] };
  spawns.push(entry);
  const child = original.call(this, cmd, args, ...rest);
  entry.spawnMs = performance.now() - entry.at;
  child.once('exit', () => { entry.ms = performance.now() - entry.at; });
  return child;
};
syncBuiltinESMExports();

process.on('exit', () => {
  const short = (a) => (a.length > 24 && /^[0-9a-f]{64}$/.test(a) ? `${a.slice(0, 8)}…` : a);
  process.stderr.write(`[spawns] ${spawns.length} children, exit at ${performance.now().toFixed(0)} ms\n`);
  for (const s of spawns) {
    const argv = s.argv.map(short).filter((a, i, all) => !(all[i - 1] === '--root' || a === '--root')).join(' ');
    process.stderr.write(`[spawns] +${s.at.toFixed(0).padStart(5)} ms ${String(s.ms < 0 ? 'running' : s.ms.toFixed(0)).padStart(5)} ms (fork ${s.spawnMs.toFixed(1)}) ${argv.slice(0, 140)}\n`);
  }
});
