// `network_mode: service:<x>` with real containers: the sharer's run is noted
// as in x's namespace (what makes x's teardown delete its veth at once rather
// than wait for the kernel, which keeps it while the sharer runs there), and
// `stop x` while the sharer runs, then `down`, leave nothing behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { listNetns } from '../../src/engines/embedded/networks/commands.js';
import { openNetContext } from '../../src/engines/embedded/networks/context.js';
import { mountsUnder } from '../../src/engines/embedded/snapshots/mount.js';
import { readRecord } from '../../src/engines/embedded/state/containers.js';
import { openStateRoot } from '../../src/engines/embedded/state/root.js';
import { missingForEngine } from '../engines/embedded/engine-helpers.js';
import { missingForNetwork, sh } from '../engines/embedded/network-helpers.js';
import { suite } from '../harness.js';
import { requireHost } from '../host.js';
import { downProject, upProject, type ProjectFixture } from './project-fixture.js';

const s = suite('shared network namespace (cli)');
const gate = requireHost(s, 'shared network namespace tests', [...new Set([...missingForEngine(), ...missingForNetwork()])]);
const PROJECT = `tscshns${process.pid}`;
const COMPOSE = `
services:
  donor:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    ports: ["80"]
  sharer:
    image: busybox
    command: sleep 1000
    stop_signal: SIGKILL
    network_mode: service:donor
`;

function ok(f: ProjectFixture, ...args: string[]): string {
  const r = f.cli(...args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The interfaces of the network namespace `pid` is in. */
function interfacesOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2).map((l) => l.trim().split(':')[0]!).filter(Boolean);
}

/** iptables lines about `ip` (other tests on the machine change the chains meanwhile). */
async function rulesFor(ip: string): Promise<string[]> {
  return (await sh(['iptables-save'])).split('\n').filter((l) => l.includes(`${ip}/32`) || l.includes(`${ip}:`));
}

gate.test('stop of the donor while its sharer runs, then down: the veth, netns, rules, records and mounts all go', async () => {
  let f: ProjectFixture | undefined;
  try {
    f = await upProject('tsc-shared-netns-', { 'compose.yaml': COMPOSE }, { COMPOSE_PROJECT_NAME: PROJECT });
    const root = openStateRoot(f.t.root);
    const net = openNetContext(root);
    const donor = ok(f, 'ps', '-q', 'donor').trim();
    const sharer = ok(f, 'ps', '-q', 'sharer').trim();
    const sandbox = net.records.sandbox(donor)!;
    const [network, attachment] = Object.entries(sandbox.attachments)[0]!;
    const bridge = net.records.network(network)!.bridge;
    const sharerPid = readRecord(root, sharer)!.state.pid;
    assert.equal(interfacesOf(sharerPid).sort(), ['eth0', 'lo'], 'the sharer is in the donor\'s namespace');
    assert.equal(net.records.join(sharer), { containerId: sharer, sandbox: donor }, 'and noted as such');
    assert.ok((await rulesFor(attachment.ip)).length > 0, 'the donor\'s port is published');

    ok(f, 'stop', 'donor');
    assert.match(ok(f, 'ps', '--status', 'running', '--services'), /^sharer\n$/);
    assert.not.ok(existsSync(`/sys/class/net/${attachment.hostIf}`), 'no host end of the donor\'s veth');
    assert.not.ok((await listNetns()).includes(sandbox.netns), 'no netns name');
    assert.equal(await rulesFor(attachment.ip), [], 'no rule of its published port');
    assert.is(net.records.sandbox(donor), undefined);
    assert.is(net.records.ports(donor), undefined);
    assert.equal(interfacesOf(sharerPid), ['lo'], 'the sharer keeps the namespace, loopback only');

    ok(f, 'down', '-t', '0');
    const ours = (l: string) => l.includes(net.linkAlias) || l.includes(bridge) || l.includes(attachment.hostIf);
    assert.equal((await sh(['ip', '-o', 'link'])).split('\n').filter((l) => /^\d+: tsc/.test(l) && ours(l)), [], 'no tsc* link');
    assert.equal((await listNetns()).filter((n) => [donor, sharer].some((id) => n === `tsc-${id.slice(0, 12)}`)), [], 'no netns');
    assert.equal((await sh(['iptables-save'])).split('\n').filter((l) => ours(l) || l.includes(attachment.ip)), [], 'no iptables rule');
    for (const kind of ['sandboxes', 'endpoints', 'ports', 'joins', 'networks']) assert.equal(readdirSync(join(net.records.dir, kind)), [], `no ${kind} record`);
    assert.equal(mountsUnder(f.t.root), [], 'no mount');
  } finally {
    await downProject(f);
  }
});

s.run();
