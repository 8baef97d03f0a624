import * as assert from 'uvu/assert';
import type { ContainerSpec } from '../../../src/engine/types.js';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES, hostCapabilities } from '../../../src/engines/embedded/runtime/capabilities.js';
import { buildExecProcess } from '../../../src/engines/embedded/runtime/exec-process.js';
import { buildOciSpec, type BuildOciSpecInput } from '../../../src/engines/embedded/runtime/oci-spec.js';
import type { OciSeccomp } from '../../../src/engines/embedded/runtime/oci-types.js';
import { defaultSeccompProfile, toOciSeccomp } from '../../../src/engines/embedded/runtime/seccomp.js';
import { parseSecurityOpts } from '../../../src/engines/embedded/runtime/security-opts.js';
import { suite } from '../../harness.js';
import { ociSpecInput, testUserDb } from './oci-input.js';

const userDb = testUserDb;
const amd64 = { arch: 'amd64', kernel: '6.1' };
const input = (spec: Partial<ContainerSpec>, extra: Partial<BuildOciSpecInput> = {}) => ociSpecInput(spec, { seccompHost: amd64, ...extra });

/** The rules that allow `name`, with their argument filters. */
function rulesFor(sc: OciSeccomp, name: string) {
  return sc.syscalls.filter((r) => r.names.includes(name));
}

const s = suite('security-spec');

s('seccomp: Docker default applied, errno EPERM by default, x86-64 with its 32-bit ABIs', () => {
  const sc = buildOciSpec(input({})).linux.seccomp!;
  assert.ok(sc, 'a default container has a seccomp filter');
  assert.is(sc.defaultAction, 'SCMP_ACT_ERRNO');
  assert.is(sc.defaultErrnoRet, 1);
  assert.equal(sc.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  for (const name of ['read', 'execve', 'openat2', 'io_uring_setup', 'arch_prctl', 'modify_ldt', 'ptrace']) assert.ok(rulesFor(sc, name).length, name);
  // Never allowed without their capability: the kernel-wide and namespace calls.
  for (const name of ['unshare', 'mount', 'setns', 'keyctl', 'add_key', 'request_key', 'bpf', 'kexec_load', 'init_module', 'reboot', 'swapon', 'open_by_handle_at', 'userfaultfd']) {
    assert.equal(rulesFor(sc, name), [], name);
  }
  // s390 rules are left out on amd64.
  assert.equal(rulesFor(sc, 's390_runtime_instr'), []);
});

s('seccomp: argument filters of clone, clone3, socket and personality as Docker has them', () => {
  const sc = toOciSeccomp(defaultSeccompProfile(), DEFAULT_CAPABILITIES, amd64);
  assert.equal(rulesFor(sc, 'clone'), [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] }]);
  assert.equal(rulesFor(sc, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  assert.equal(rulesFor(sc, 'socket'), [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }]);
  assert.equal(rulesFor(sc, 'personality').map((r) => r.args![0]!.value), [0, 8, 131072, 131080, 4294967295]);
});

s('seccomp: rules follow the capability set (cap_add SYS_ADMIN lifts clone flags; SYS_PTRACE, SYS_TIME)', () => {
  const sc = buildOciSpec(input({ capAdd: ['SYS_ADMIN', 'SYS_TIME'] })).linux.seccomp!;
  assert.equal(rulesFor(sc, 'clone').map((r) => r.args), [undefined]);
  assert.ok(rulesFor(sc, 'unshare').length && rulesFor(sc, 'mount').length);
  assert.equal(rulesFor(sc, 'clone3').map((r) => r.action), ['SCMP_ACT_ALLOW']);
  assert.ok(rulesFor(sc, 'clock_settime').length);
  // Kernel older than 4.8: ptrace only with CAP_SYS_PTRACE.
  assert.equal(rulesFor(toOciSeccomp(defaultSeccompProfile(), DEFAULT_CAPABILITIES, { arch: 'amd64', kernel: '4.4' }), 'ptrace'), []);
  // A non-root user has the same bounding set, so the same filter (as moby: rules read the bounding set).
  assert.equal(buildOciSpec(input({ user: '1000' })).linux.seccomp, buildOciSpec(input({})).linux.seccomp);
});

s('seccomp: unconfined, privileged, and a user profile in Docker format', () => {
  assert.is(buildOciSpec(input({ securityOpt: ['seccomp=unconfined'] })).linux.seccomp, undefined);
  assert.is(buildOciSpec(input({ securityOpt: ['seccomp:unconfined'] })).linux.seccomp, undefined);
  assert.is(buildOciSpec(input({ privileged: true })).linux.seccomp, undefined);
  const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO' }, { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, includes: { arches: ['arm64'] } }] });
  const sc = buildOciSpec(input({ securityOpt: [`seccomp=${profile}`] })).linux.seccomp!;
  assert.equal(sc, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  assert.throws(() => buildOciSpec(input({ securityOpt: ['seccomp={"syscalls":[]}'] })), /defaultAction/);
  assert.throws(() => buildOciSpec(input({ securityOpt: ['seccomp={not json'] })), /not a JSON seccomp profile/);
  assert.throws(() => buildOciSpec(input({ securityOpt: ['seccomp=/etc/profile.json'] })), /not read/);
});

s('capabilities: root gets the set; a non-root user (user:, image USER, exec -u) the bounding set only', () => {
  const root = buildOciSpec(input({})).process.capabilities!;
  assert.equal(root.effective, DEFAULT_CAPABILITIES);
  assert.equal(root.permitted, DEFAULT_CAPABILITIES);
  for (const o of [buildOciSpec(input({ user: '1000' })), buildOciSpec(input({}, { image: { User: 'app' } })), buildOciSpec(input({ user: 'app', capAdd: ['NET_ADMIN'] }))]) {
    const caps = o.process.capabilities!;
    assert.ok(caps.bounding.includes('CAP_CHOWN'));
    assert.equal([caps.effective, caps.permitted, caps.inheritable, caps.ambient], [[], [], [], []]);
  }
  const c = buildOciSpec(input({}));
  assert.equal(buildExecProcess(c, { cmd: ['id'], user: '1000' }, userDb).capabilities!.effective, []);
  assert.equal(buildExecProcess(c, { cmd: ['id'], user: '1000' }, userDb).capabilities!.bounding, DEFAULT_CAPABILITIES);
  assert.equal(buildExecProcess(c, { cmd: ['id'], user: '1000', privileged: true }, userDb, ALL_CAPABILITIES).capabilities!.bounding, ALL_CAPABILITIES);
  const asRoot = buildExecProcess(buildOciSpec(input({ user: '1000' })), { cmd: ['id'], user: '0' }, userDb);
  assert.equal(asRoot.capabilities!.effective, DEFAULT_CAPABILITIES);
});

s('privileged gets the capabilities the engine itself holds (a sandbox may lack some)', () => {
  const caps = hostCapabilities('CapBnd:\t000001fffeffffff\n');
  assert.is(caps.length, ALL_CAPABILITIES.length - 1);
  assert.not.ok(caps.includes('CAP_SYS_RESOURCE'));
  assert.equal(hostCapabilities('CapBnd:\t000001ffffffffff\n'), ALL_CAPABILITIES);
  assert.equal(buildOciSpec(input({ privileged: true }, { hostCapabilities: caps })).process.capabilities!.bounding, caps);
});

s('security_opt: each option applied or refused, never dropped', () => {
  assert.equal(parseSecurityOpts(['no-new-privileges']).noNewPrivileges, true);
  assert.equal(parseSecurityOpts(['no-new-privileges=false']).noNewPrivileges, false);
  assert.equal(parseSecurityOpts(['no-new-privileges:true']).noNewPrivileges, true);
  assert.equal(parseSecurityOpts(['label=disable', 'label:disable']).seccomp, 'default');
  const unmasked = buildOciSpec(input({ securityOpt: ['systempaths=unconfined'] }));
  assert.equal([unmasked.linux.maskedPaths, unmasked.linux.readonlyPaths], [[], []]);
  assert.ok(buildOciSpec(input({})).linux.maskedPaths!.includes('/proc/kcore'));
  assert.throws(() => parseSecurityOpts(['label=type:svirt_t']), /SELinux labels are not supported/);
  assert.throws(() => parseSecurityOpts(['no-new-privileges=maybe']), /true or false/);
  assert.throws(() => parseSecurityOpts(['systempaths=confined']), /only value is unconfined/);
  assert.throws(() => parseSecurityOpts(['writable-sysfs=1']), /unknown option "writable-sysfs"/);
  assert.throws(() => parseSecurityOpts(['nonsense']), /expected key=value/);
});

s('apparmor: none claimed without host AppArmor; a named profile refused there; the host default where loaded', () => {
  assert.is(buildOciSpec(input({})).process.apparmorProfile, undefined);
  assert.is(buildOciSpec(input({ securityOpt: ['apparmor=unconfined'] })).process.apparmorProfile, undefined);
  assert.throws(() => buildOciSpec(input({ securityOpt: ['apparmor=my-profile'] })), /AppArmor disabled/);
  assert.is(buildOciSpec(input({}, { appArmorDefault: 'tscompose-default' })).process.apparmorProfile, 'tscompose-default');
  assert.is(buildOciSpec(input({ securityOpt: ['apparmor=mine'] }, { appArmorDefault: 'tscompose-default' })).process.apparmorProfile, 'mine');
  assert.is(buildOciSpec(input({ privileged: true }, { appArmorDefault: 'tscompose-default' })).process.apparmorProfile, undefined);
});

s.run();
