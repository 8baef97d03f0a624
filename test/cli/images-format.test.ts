import * as assert from 'uvu/assert';
import { imageInspectObject, imageJsonLine, imageRows, renderImageTable, splitRepoTag } from '../../src/cli/format/image-view.js';
import type { ImageSummary } from '../../src/engine/types.js';
import { suite } from '../harness.js';

const s = suite('images formatting');
const NOW = Date.parse('2024-03-01T00:00:00Z');
const busybox: ImageSummary = { id: `sha256:${'ab'.repeat(32)}`, repoTags: ['busybox:latest', 'localhost:5000/bb:1'], repoDigests: [], created: '2024-01-01T00:00:00Z', size: 2_150_000 };
const dangling: ImageSummary = { id: `sha256:${'cd'.repeat(32)}`, repoTags: [], repoDigests: [], created: '2024-02-29T23:59:00Z', size: 512 };

s('repository and tag split at the last colon after the last slash', () => {
  assert.equal(splitRepoTag('busybox:latest'), ['busybox', 'latest']);
  assert.equal(splitRepoTag('localhost:5000/bb'), ['localhost:5000/bb', '<none>']);
  assert.equal(splitRepoTag('localhost:5000/bb:1'), ['localhost:5000/bb', '1']);
});

s('image ls table: one row per tag, <none> for untagged', () => {
  assert.is(renderImageTable(imageRows([busybox, dangling]), NOW), [
    'REPOSITORY          TAG       IMAGE ID       CREATED              SIZE',
    'busybox             latest    abababababab   2 months ago         2.15MB',
    'localhost:5000/bb   1         abababababab   2 months ago         2.15MB',
    '<none>              <none>    cdcdcdcdcdcd   About a minute ago   512B',
    '',
  ].join('\n'));
});

s('image ls json line as docker prints it', () => {
  const line = imageJsonLine(imageRows([dangling])[0]!, NOW, 'UTC');
  assert.is(line, '{"Containers":"N/A","CreatedAt":"2024-02-29 23:59:00 +0000 UTC","CreatedSince":"About a minute ago","Digest":"\\u003cnone\\u003e","ID":"cdcdcdcdcdcd","Repository":"\\u003cnone\\u003e","SharedSize":"N/A","Size":"512B","Tag":"\\u003cnone\\u003e","UniqueSize":"N/A","VirtualSize":"512B"}');
});

s('image inspect shape', () => {
  const obj = imageInspectObject({ ...busybox, architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: ['sha256:1'] } });
  assert.is(obj.Id, busybox.id);
  assert.equal(obj.RepoTags, busybox.repoTags);
  assert.equal((obj.Config as Record<string, unknown>).Cmd, ['sh']);
  assert.equal(obj.RootFS, { Type: 'layers', Layers: ['sha256:1'] });
  assert.is(obj.Os, 'linux');
});

s.run();
