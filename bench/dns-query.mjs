// Sends N sequential A queries for NAME to SERVER:53 over UDP and prints the
// median and p99 round trip in microseconds. Run it inside a container's
// network namespace (`ip netns exec`), so the path is the container's.
// Usage: node dns-query.mjs SERVER NAME [N]
import { createSocket } from 'node:dgram';

const [server, name, n = '2000'] = process.argv.slice(2);
if (!server || !name) throw new Error('usage: dns-query.mjs SERVER NAME [N]');
const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
const sock = createSocket('udp4');
const times = [];
let failures = 0;
function query(id) {
  const header = Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const msg = Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const timer = setTimeout(() => { sock.off('message', on); failures++; resolve(); }, 2000);
    const on = (reply) => {
      if (reply.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      sock.off('message', on);
      if ((reply[3] & 15) !== 0 || reply.readUInt16BE(6) === 0) failures++;
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
      resolve();
    };
    sock.on('message', on);
    sock.send(msg, 53, server);
  });
}
for (let i = 0; i < Number(n); i++) await query(i & 0xffff);
sock.close();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
console.log(`${Math.round(at(0.5))} ${Math.round(at(0.99))} ${failures}`);
