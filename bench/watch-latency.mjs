// Edit-to-visible latency of a watch sync: writes DIR/page.txt N times and
// waits each time until /proc/PID/root/TARGET/page.txt (the container's view)
// has the new content. Prints median and p95 in ms.
// Usage: node bench/watch-latency.mjs DIR PID TARGET [N]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [dir, pid, target, n = '100'] = process.argv.slice(2);
if (!dir || !pid || !target) throw new Error('usage: watch-latency.mjs DIR PID TARGET [N]');
const seen = `/proc/${pid}/root${target}/page.txt`;
const read = () => { try { return readFileSync(seen, 'utf8'); } catch { return ''; } };
const times = [];
for (let i = 0; i < Number(n); i++) {
  const content = `edit ${i} ${process.hrtime.bigint()}\n`;
  const start = process.hrtime.bigint();
  writeFileSync(join(dir, 'page.txt'), content);
  const deadline = Date.now() + 10_000;
  while (read() !== content) {
    if (Date.now() > deadline) throw new Error(`edit ${i} not visible in ${seen} after 10 s`);
    await sleep(1);
  }
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  await sleep(50);
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
console.log(`${at(0.5).toFixed(0)} ${at(0.95).toFixed(0)}`);
