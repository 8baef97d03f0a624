// Child of state-records.test.ts: makes a committed record and one still in the
// making, then exits at once as a second Ctrl-C does (process.exit(130)).
import { commitRecord, createRecord } from '../../../src/engines/embedded/state/containers.js';
import { openStateRoot } from '../../../src/engines/embedded/state/root.js';

const root = openStateRoot(process.argv[2]!);
const spec = (name: string) => ({ name, image: 'busybox', labels: {}, env: {} });
const done = await createRecord(root, { spec: spec('complete') });
await commitRecord(root, done.config.id);
const half = await createRecord(root, { spec: spec('half-made') });
process.stdout.write(`${done.config.id} ${half.config.id}`);
process.exit(130);
