// The test's own peers for networking.test.ts, in a process of their own (the
// CLI runs through spawnSync, which would block them in the test process):
// a DNS responder on 127.0.0.1 (the agent's upstream, *.ext.test → 10.9.8.7),
// one on 127.0.0.2:53 (a container's `dns:` server, → 10.9.8.6) and a TCP
// listener on every host address. Prints `{"dnsPort":N,"tcpPort":N}` once ready.
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';
import dnsPacket from 'dns-packet';

function responder(host: string, port: number, address: string): Promise<Socket> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    try {
      const q = dnsPacket.decode(msg);
      const question = q.questions![0]!;
      const answers = question.type === 'A' && question.name.endsWith('ext.test') ? [{ type: 'A' as const, name: question.name, class: 'IN' as const, ttl: 5, data: address }] : [];
      sock.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [question], answers }), rinfo.port, rinfo.address);
    } catch { /* not a query */ }
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => resolve(sock));
  });
}

const upstream = await responder('127.0.0.1', 0, '10.9.8.7');
await responder('127.0.0.2', 53, '10.9.8.6');
const server = createServer((c) => c.end('host-says-hi\n'));
await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
process.stdout.write(`${JSON.stringify({ dnsPort: upstream.address().port, tcpPort: (server.address() as { port: number }).port })}\n`);
process.on('SIGTERM', () => process.exit(0));
