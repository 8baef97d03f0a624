// Writes the offline busybox root filesystem tar used by the benchmarks.
import { buildBusyboxRootfsTar } from '../test/fixtures/images/busybox.js';

const out = process.argv[2];
if (!out) throw new Error('usage: busybox-tar.mts OUT.tar');
await buildBusyboxRootfsTar(out);
