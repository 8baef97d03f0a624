// Runs every `*.test.ts` under test/ with uvu in one process, then prints
// `N passed, N failed, N skipped` and sets the exit code. uvu alone prints no
// failed count and can exit 0 when a hook throws.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const LINGER_MS = 10_000;
const filter = process.argv[2] ? new RegExp(process.argv[2]) : undefined;

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = findTests(root).filter((f) => !filter || filter.test(relative(root, f)));

let captured = '';
const realWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  if (captured.length > 1 << 16) captured = captured.slice(-4096);
  return (realWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

// uvu decides at import time whether a runner drives it: say so before anything imports it.
(globalThis as Record<string, unknown>).UVU_DEFER = 1;
const uvu = await import('uvu');
const { hookFailures } = await import('./harness.js');
const queue = (globalThis as unknown as { UVU_QUEUE: unknown[][] }).UVU_QUEUE;
let index = 0;
let loadFailures = 0;
for (const file of files) {
  (globalThis as Record<string, unknown>).UVU_INDEX = index++;
  queue.push([relative(root, file)]);
  try {
    await import(resolve(file));
  } catch (error) {
    loadFailures++;
    console.error(`could not load ${relative(root, file)}:`, error);
  }
}
let runnerCrash: unknown;
try {
  await uvu.exec(false);
} catch (error) {
  runnerCrash = error;
}
process.stdout.write = realWrite;
if (runnerCrash) console.error('the test runner stopped early:', runnerCrash);

// eslint-disable-next-line no-control-regex
const plain = captured.replace(/\x1b\[[0-9;]*m/g, '');
const num = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
const total = num('Total');
const passed = num('Passed');
const skipped = num('Skipped');
const hooks = hookFailures();
for (const h of hooks) console.error(`hook ${h.hook} of suite "${h.suite}" failed:`, h.error);
let failed = total - passed + hooks.length + loadFailures + (runnerCrash ? 1 : 0);
if (failed === 0 && process.exitCode) failed = 1;
if (process.env.CI === 'true' && skipped > 0) {
  console.error(`${skipped} test(s) skipped or left out by .only: not allowed in CI`);
  failed += skipped;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
// Something a test left running (a timer, a socket, a child) must not hold the run
// open: name it and end (the timer is unref'd, so it fires only when something is left).
setTimeout(() => {
  console.error(`still running ${LINGER_MS / 1000} s after the last test: ${process.getActiveResourcesInfo().join(', ')}; ending the run`);
  process.exit();
}, LINGER_MS).unref();
