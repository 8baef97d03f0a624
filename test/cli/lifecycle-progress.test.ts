import { Writable } from 'node:stream';
import * as assert from 'uvu/assert';
import { suite } from '../harness.js';
import { createProgress } from '../../src/cli/progress.js';
import type { ProgressEvent } from '../../src/stack/events.js';

const s = suite('cli progress');

function sink(): { out: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb(); } });
  return { out: Object.assign(w, { isTTY: false, columns: 60 }) as unknown as NodeJS.WriteStream, text: () => text };
}

const started: ProgressEvent = { kind: 'Container', name: 'demo-web-1', status: 'Started', state: 'done' };

s('plain prints one line per event; auto is plain off a TTY', () => {
  const o = sink();
  const p = createProgress({ mode: 'auto', out: o.out });
  p.onEvent({ kind: 'Container', name: 'demo-web-1', status: 'Starting', state: 'working' });
  p.onEvent(started);
  p.done();
  assert.is(o.text(), ' Container demo-web-1  Starting\n Container demo-web-1  Started\n');
});

s('json prints one object per line; quiet nothing', () => {
  const o = sink();
  createProgress({ mode: 'json', out: o.out }).onEvent(started);
  const obj = JSON.parse(o.text()) as Record<string, unknown>;
  assert.is(obj.id, 'Container demo-web-1');
  assert.is(obj.status, 'Started');
  const q = sink();
  createProgress({ mode: 'quiet', out: q.out }).onEvent(started);
  assert.is(q.text(), '');
});

s('tty shows the header and a done line with its time', () => {
  const o = sink();
  const p = createProgress({ mode: 'tty', out: o.out, color: false });
  p.onEvent(started);
  p.done();
  const last = o.text().split('\x1b[2K').slice(-2).join('');
  assert.match(last, '[+] Running 1/1\n');
  assert.match(last, /^ ✔ Container demo-web-1  Started +0\.0s\n$/m);
});

s.run();
