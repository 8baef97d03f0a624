// What the agent's entry loads at start (its static imports, followed through):
// the DNS resolver, the scans and the health probes, and none of what a
// long-lived process of 300 containers would carry for nothing: the CLI, the
// Compose loader, the builder, the image and volume stores, the registry
// client, the start path (loaded once a restart or rotation needs them).
import { suite } from '../../harness.js';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { agentCommand } from '../../../src/engines/embedded/agent/entry.js';
import { importEdges } from './import-graph.js';

const src = fileURLToPath(new URL('../../../src/', import.meta.url));
const ENTRY = 'engines/embedded/agent/main.ts';

/** The files loaded with `from` (static, run-time imports only), `from` included. */
function loadedWith(from: string): string[] {
  const next = new Map<string, string[]>();
  for (const e of importEdges(src, src)) {
    if (e.typeOnly || e.dynamic) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length) for (const to of next.get(queue.shift()!) ?? []) if (!seen.has(to)) seen.add(to), queue.push(to);
  return [...seen].sort();
}

const NOT_AT_START = [
  /^(cli|compose|stack|swarm|build|engines\/docker)\//,
  /^engines\/embedded\/(images|registry|volumes|build)\//,
  /^engines\/embedded\/containers\/(start|create|remove)\.ts$/,
  /^engines\/embedded\/networks\/manager\.ts$/,
  /^engines\/embedded\/agent\/(open-context|restart-perform|restart-on-exit)\.ts$/,
];

const s = suite('agent: what its entry loads');

s('the agent loads at start none of the CLI, loader, builder, stores, registry client or start path', () => {
  const loaded = loadedWith(ENTRY);
  assert.ok(loaded.includes('engines/embedded/dns/server.ts') && loaded.includes('engines/embedded/agent/restart-service.ts'), 'the walk follows the entry\'s imports');
  assert.equal(loaded.filter((f) => NOT_AT_START.some((re) => re.test(f))), []);
});

s('the agent runs with a small young generation (node flags before its script)', () => {
  const { args } = agentCommand();
  const script = args.findIndex((a) => a.endsWith('agent/main.ts') || a.endsWith('agent/main.js'));
  assert.ok(args.indexOf('--max-semi-space-size=1') >= 0 && args.indexOf('--max-semi-space-size=1') < script, args.join(' '));
});

s.run();
