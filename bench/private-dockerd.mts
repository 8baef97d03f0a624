// A private dockerd for the benchmarks (the tests' own, from test/engines/docker/dockerd.ts:
// own data root, exec root, socket, pidfile, containerd, in a network namespace of its own).
// Writes {host, socket, dockerdPid, containerdPid, containerdSocket} as JSON to OUT once it
// answers, then runs until SIGTERM/SIGINT, when it stops dockerd and removes everything.
// Usage: node --import tsx bench/private-dockerd.mts OUT.json
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingForDockerd, startTestDockerd, stopTestDockerd } from '../test/engines/docker/dockerd.js';

const out = process.argv[2];
if (!out) throw new Error('usage: private-dockerd.mts OUT.json');
const missing = missingForDockerd();
if (missing.length > 0) throw new Error(`cannot start a private dockerd: missing ${missing.join(', ')}`);
// A signal while starting stops once started (startTestDockerd cleans up after its own failure).
let signalled = false;
let stop = (): void => { signalled = true; };
process.on('SIGTERM', () => stop());
process.on('SIGINT', () => stop());
const d = await startTestDockerd();
let stopping: Promise<void> | undefined;
stop = (): void => {
  stopping ??= stopTestDockerd(d).finally(() => process.exit(0));
};
if (signalled) stop();
else writeFileSync(out, `${JSON.stringify({ host: d.host, socket: d.socket, dockerdPid: d.dockerdPid, containerdPid: d.containerdPid, containerdSocket: join(d.dir, 'containerd.sock') })}\n`);
setInterval(() => undefined, 1 << 30);
