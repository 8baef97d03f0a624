// Our iptables rules live in chains of our own, each jumped to from a
// built-in chain by exactly one rule, so teardown removes them whole. Every
// rule carries a comment tag (`tsc:<id12>` or `tsc:<id12>+<id12>`) naming the
// network(s) or container it belongs to, which is how rules are found again.
import { execFile, ProcessError } from '../../../util/exec.js';
import { TscError } from '../../../util/errors.js';
import { ignoreGone } from './commands.js';
import { listTables, restore } from './firewall-restore.js';

export type FirewallBackend = 'iptables-nft' | 'iptables-legacy' | 'nft';
export type Table = 'filter' | 'nat';
export type Chain = 'TSC-FORWARD' | 'TSC-ISOLATION' | 'TSC-NAT' | 'TSC-POSTROUTING' | 'TSC-INPUT' | 'TSC-USER';

/**
 * The administrator's chain (Docker's DOCKER-USER): evaluated first in FORWARD,
 * before any rule of ours, so that its rules can restrict published ports.
 * We make it and its jump, and never add, flush or delete rules in it.
 */
export const USER_CHAIN = 'TSC-USER';

export interface Rule {
  table: Table;
  chain: Chain;
  args: string[];
  tag: string;
}

export const CHAINS: Array<{ table: Table; chain: Chain }> = [
  { table: 'filter', chain: 'TSC-USER' },
  { table: 'filter', chain: 'TSC-INPUT' },
  { table: 'filter', chain: 'TSC-ISOLATION' },
  { table: 'filter', chain: 'TSC-FORWARD' },
  { table: 'nat', chain: 'TSC-NAT' },
  { table: 'nat', chain: 'TSC-POSTROUTING' },
];

/** The one jump into each chain of ours, in the order they are inserted at the top (the last one ends up first). */
const JUMPS: Array<{ table: Table; from: string; args: string[] }> = [
  { table: 'filter', from: 'FORWARD', args: ['-j', 'TSC-FORWARD'] },
  { table: 'filter', from: 'FORWARD', args: ['-j', 'TSC-ISOLATION'] },
  { table: 'filter', from: 'FORWARD', args: ['-j', 'TSC-USER'] },
  { table: 'filter', from: 'INPUT', args: ['-j', 'TSC-INPUT'] },
  { table: 'nat', from: 'PREROUTING', args: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'TSC-NAT'] },
  { table: 'nat', from: 'OUTPUT', args: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'TSC-NAT'] },
  { table: 'nat', from: 'POSTROUTING', args: ['-j', 'TSC-POSTROUTING'] },
];

let detected: Promise<FirewallBackend> | undefined;

/** Which tool programs the firewall: `iptables` in its nf_tables or legacy flavour. */
export function firewallBackend(): Promise<FirewallBackend> {
  detected ??= (async () => {
    try {
      const { stdout } = await execFile(['iptables', '--version']);
      return /legacy/.test(stdout) ? 'iptables-legacy' : 'iptables-nft';
    } catch (error) {
      detected = undefined;
      if (error instanceof ProcessError && error.exitCode_ === null) {
        const nft = await execFile(['nft', '--version']).then(() => true, () => false);
        throw new TscError('NO_IPTABLES', `iptables not found in PATH${nft ? ' (only nft is installed, which the embedded engine does not program directly yet)' : ''}: \`apt-get install iptables\``);
      }
      throw error;
    }
  })();
  return detected;
}

async function iptables(table: Table, ...args: string[]): Promise<string> {
  await firewallBackend();
  return (await execFile(['iptables', '-w', '5', '-t', table, ...args])).stdout;
}

async function has(table: Table, chain: string, args: string[]): Promise<boolean> {
  try {
    await iptables(table, '-C', chain, ...args);
    return true;
  } catch (error) {
    if (error instanceof ProcessError && error.exitCode_ === 1) return false;
    throw error;
  }
}

/** ensureChains, then addRules: in one iptables-restore when it can. */
export async function ensureChainsAndAdd(rules: Rule[]): Promise<void> {
  await firewallBackend();
  try {
    const listing = await listTables();
    const commands: Record<Table, string[][]> = { filter: [], nat: [] };
    for (const { table, chain } of CHAINS) if (!hasLine(listing[table], ['-N', chain])) commands[table].push(['-N', chain]);
    const missing = JUMPS.filter((j) => !hasLine(listing[j.table], ['-A', j.from, ...j.args]));
    const forward = missing.some((j) => j.from === 'FORWARD') ? JUMPS.filter((j) => j.from === 'FORWARD') : [];
    for (const j of forward) if (hasLine(listing[j.table], ['-A', j.from, ...j.args])) commands[j.table].push(['-D', j.from, ...j.args]);
    for (const j of [...forward, ...missing.filter((m) => m.from !== 'FORWARD')]) commands[j.table].push(['-I', j.from, '1', ...j.args]);
    for (const r of rules) commands[r.table].push(['-A', r.chain, ...withTag(r)]);
    await restore(commands);
  } catch {
    // Raced with another command (a chain made or a jump removed meanwhile): step by step.
    await addRulesStepwise(rules);
  }
}

/**
 * ensureChains, then the rules not there yet. The restore commits table by
 * table: when its filter part went in and its nat part failed (another state
 * root removed the nat chains between the listing and the restore), adding
 * every rule again doubled the filter rules.
 */
export async function addRulesStepwise(rules: Rule[]): Promise<void> {
  await ensureChains();
  const missing: Rule[] = [];
  for (const r of rules) if (!(await has(r.table, r.chain, withTag(r)))) missing.push(r);
  await addRules(missing);
}

function hasLine(lines: string[][], want: string[]): boolean {
  return lines.some((l) => l.length === want.length && l.every((a, i) => a === want[i]));
}

/** Creates our chains and their jumps where missing; idempotent. */
export async function ensureChains(): Promise<void> {
  for (const { table, chain } of CHAINS) {
    try {
      await iptables(table, '-N', chain);
    } catch (error) {
      if (!(error instanceof ProcessError && /exists/i.test(error.stderr))) throw error;
    }
  }
  const missing = [];
  for (const j of JUMPS) if (!(await has(j.table, j.from, j.args))) missing.push(j);
  // The two FORWARD jumps keep their order (isolation first): re-insert both if either is missing.
  const forward = missing.some((j) => j.from === 'FORWARD') ? JUMPS.filter((j) => j.from === 'FORWARD') : [];
  for (const j of forward) await ignoreGone(() => iptables(j.table, '-D', j.from, ...j.args));
  for (const j of [...forward, ...missing.filter((m) => m.from !== 'FORWARD')]) await iptables(j.table, '-I', j.from, '1', ...j.args);
}

function withTag(rule: Rule): string[] {
  return [...rule.args, '-m', 'comment', '--comment', rule.tag];
}

/** Appends the rules; if one fails, the ones added are removed again before the error is thrown. */
async function addRules(rules: Rule[]): Promise<void> {
  const added: Rule[] = [];
  try {
    for (const r of rules) {
      await iptables(r.table, '-A', r.chain, ...withTag(r));
      added.push(r);
    }
  } catch (error) {
    for (const r of added.reverse()) await ignoreGone(() => iptables(r.table, '-D', r.chain, ...withTag(r))).catch(() => undefined);
    throw error;
  }
}

/**
 * The rules of one of our chains as `iptables -S` prints them, split into
 * arguments; none when the chain does not exist. (The whole table is listed:
 * iptables-nft 1.8.9 calls a missing chain "incompatible".)
 */
async function listRules(table: Table, chain: Chain): Promise<string[][]> {
  const out = await iptables(table, '-S');
  return out.split('\n').filter((l) => l.startsWith(`-A ${chain} `)).map((l) => l.split(/\s+/).map((a) => a.replace(/^"(.*)"$/, '$1')));
}

async function chainExists(table: Table, chain: Chain): Promise<boolean> {
  return (await iptables(table, '-S')).split('\n').includes(`-N ${chain}`);
}

function tagOf(args: string[]): string | undefined {
  const i = args.indexOf('--comment');
  return i >= 0 ? args[i + 1] : undefined;
}

function tagNames(args: string[], id: string): boolean {
  const tag = tagOf(args);
  return tag?.startsWith('tsc:') === true && tag.slice(4).split('+').includes(id);
}

/** Deletes every rule of ours whose tag names `id` (a network or container short id); goes on after a failure and throws the first. */
export async function deleteTagged(id: string): Promise<void> {
  await firewallBackend();
  try {
    const listing = await listTables();
    const ours = (t: Table) => listing[t].filter((a) => a[0] === '-A' && CHAINS.some((c) => c.table === t && c.chain === a[1]) && tagNames(a, id)).map((a) => ['-D', ...a.slice(1)]);
    await restore({ filter: ours('filter'), nat: ours('nat') });
    return;
  } catch { /* step by step below */ }
  let first: unknown;
  for (const { table, chain } of CHAINS) {
    for (const args of await listRules(table, chain)) {
      if (!tagNames(args, id)) continue;
      await ignoreGone(() => iptables(table, '-D', ...args.slice(1))).catch((e) => { first ??= e; });
    }
  }
  if (first) throw first;
}

/** Removes the jumps and our chains when no rule is left in them (another state root may still use them). */
export async function removeChainsIfEmpty(): Promise<boolean> {
  await firewallBackend();
  try {
    const listing = await listTables();
    const commands: Record<Table, string[][]> = { filter: [], nat: [] };
    for (const { table, chain } of ownChains()) if (listing[table].some((a) => a[0] === '-A' && a[1] === chain)) return false;
    // The administrator's chain stays, with its jump, while it has rules.
    const chains = listing.filter.some((a) => a[0] === '-A' && a[1] === USER_CHAIN) ? ownChains() : CHAINS;
    // Every jump into our chains, copies from a racing process too.
    for (const table of ['filter', 'nat'] as const) {
      for (const a of listing[table]) if (a[0] === '-A' && chains.some((c) => c.table === table && a.at(-1) === c.chain && a.at(-2) === '-j')) commands[table].push(['-D', ...a.slice(1)]);
    }
    for (const { table, chain } of chains) if (hasLine(listing[table], ['-N', chain])) commands[table].push(['-X', chain]);
    await restore(commands);
    return true;
  } catch { /* step by step below */ }
  return removeChainsStepwise();
}

/** Our chains but the administrator's. */
function ownChains(): Array<{ table: Table; chain: Chain }> {
  return CHAINS.filter((c) => c.chain !== USER_CHAIN);
}

async function removeChainsStepwise(): Promise<boolean> {
  for (const { table, chain } of ownChains()) if ((await listRules(table, chain)).length) return false;
  const keepUser = (await listRules('filter', USER_CHAIN)).length > 0;
  const chains = keepUser ? ownChains() : CHAINS;
  let first: unknown;
  const step = (fn: () => Promise<unknown>) => ignoreGone(fn).catch((e) => { first ??= e; });
  for (const j of JUMPS) {
    if (keepUser && j.args.at(-1) === USER_CHAIN) continue;
    // A jump added twice by a racing process: remove all copies.
    while (await has(j.table, j.from, j.args).catch(() => false)) {
      const before = first;
      await step(() => iptables(j.table, '-D', j.from, ...j.args));
      if (first !== before) break;
    }
  }
  for (const { table, chain } of chains) {
    if (!(await chainExists(table, chain))) continue;
    await step(() => iptables(table, '-F', chain));
    await step(() => iptables(table, '-X', chain));
  }
  if (first) throw first;
  return true;
}

/** Lines of `iptables-save` that are ours (for checks and tests). */
export async function ourFirewallLines(): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFile(['iptables-save']));
  } catch (error) {
    // Not `iptables --version` before each listing (a process less at every command's start): only to explain a failure.
    await firewallBackend();
    throw error;
  }
  return stdout.split('\n').filter((l) => /TSC-|tsc:/.test(l));
}
