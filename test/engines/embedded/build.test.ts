// Real builds on the embedded engine over the busybox image: RUN in real
// containers, layers committed from overlay upper directories, the cache.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { BuildEvent, BuildSpec } from '../../../src/engine/types.js';
import { goArch } from '../../../src/engines/embedded/images/oci.js';
import { engineSuite, rejects, runToEnd, type TestEngine } from './engine-helpers.js';

const { s, test } = engineSuite('build');

function contextDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-build-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const contexts: string[] = [];
s.after(() => {
  for (const d of contexts) rmSync(d, { recursive: true, force: true });
});

async function build(t: TestEngine, spec: BuildSpec) {
  const events: BuildEvent[] = [];
  const result = await t.engine.builder!.build(spec, (e) => events.push(e));
  const steps = events.filter((e): e is Extract<BuildEvent, { type: 'step' }> => e.type === 'step');
  return { ...result, events, cachedSteps: steps.filter((e) => e.cached).map((e) => e.text), ranSteps: steps.filter((e) => !e.cached && !/\] FROM /.test(e.text)).map((e) => e.text) };
}

const MULTI = `# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM \${BASE} AS deps
ARG GREETING=hello
RUN echo "$GREETING from deps" > /deps.txt && mkdir -p /junk && echo x > /junk/old && echo y > /gone.txt
RUN rm /gone.txt && rm -r /junk
COPY app.txt /src/

FROM busybox
ENV APP_HOME=/app
WORKDIR $APP_HOME
COPY --from=deps /deps.txt ./
COPY --from=deps /src/app.txt ./
RUN echo "appuser:x:1234:1234::/app:/bin/sh" >> /etc/passwd && chown 1234 /app
USER appuser
CMD ["sh", "-c", "id -u; pwd; echo $APP_HOME; cat deps.txt app.txt; ls /gone.txt /junk 2>&1 || true"]
`;

test('a multi-stage build runs its steps, and the image runs with its USER, WORKDIR and ENV', async (t) => {
  const ctx = contextDir({ 'Dockerfile': MULTI, 'app.txt': 'v1\n', 'secret.key': 'nope', '.dockerignore': 'secret.key\n' });
  contexts.push(ctx);
  const r = await build(t, { context: ctx, tags: ['tsc-build-test:multi'], args: { GREETING: 'hi' } });
  assert.ok(r.ran >= 5, `steps ran: ${r.ran}`);
  const { code, out } = await runToEnd(t.engine, { image: 'tsc-build-test:multi' });
  assert.is(code, 0, out);
  assert.match(out, /^1234$/m);
  assert.match(out, /^\/app$/m);
  assert.match(out, /hi from deps/, out);
  assert.match(out, /^v1$/m);
  // Deleted in a later step of the first stage: whiteouts hide them.
  assert.match(out, /\/gone.txt: No such file or directory/);
  const details = await t.engine.images.inspect('tsc-build-test:multi');
  assert.equal(details?.config.User, 'appuser');
  assert.equal(details?.config.WorkingDir, '/app');

  // Nothing changed: every step comes from the cache, and the image is the same.
  const again = await build(t, { context: ctx, tags: ['tsc-build-test:multi'], args: { GREETING: 'hi' } });
  assert.is(again.ran, 0, `re-ran: ${again.ranSteps.join(', ')}`);
  assert.is(again.imageId, r.imageId);

  // A file outside the ignore list's reach changes only what follows its COPY.
  writeFileSync(join(ctx, 'secret.key'), 'changed');
  const ignored = await build(t, { context: ctx, tags: ['tsc-build-test:multi'], args: { GREETING: 'hi' } });
  assert.is(ignored.ran, 0, '.dockerignore keeps secret.key out of the cache key');
  writeFileSync(join(ctx, 'app.txt'), 'v2\n');
  const changed = await build(t, { context: ctx, tags: ['tsc-build-test:multi'], args: { GREETING: 'hi' } });
  assert.equal(changed.ranSteps.map((x) => x.replace(/^\[\S+ /, '')), ['4/4] COPY app.txt /src/', '4/5] COPY --from=deps /src/app.txt ./', '5/5] RUN echo "appuser:x:1234:1234::/app:/bin/sh" >> /etc/passwd && chown 1234 /app']);
  // The ARG is part of RUN's key.
  const arg = await build(t, { context: ctx, tags: ['tsc-build-test:multi'], args: { GREETING: 'bye' } });
  assert.ok(arg.ranSteps.some((x) => x.includes('RUN echo "$GREETING')), 'the RUN using the ARG re-ran');
});

const FEATURES = `FROM --platform=$BUILDPLATFORM busybox AS base
ARG TARGETARCH
ONBUILD RUN echo triggered > /onbuild.txt
RUN mkdir -p /d && touch /d/a && echo hl > /h1 && ln /h1 /h2 && echo $TARGETARCH > /arch

FROM base
RUN rm -rf /d && mkdir /d && touch /d/b
RUN --mount=type=bind,source=data,target=/mnt cat /mnt/file > /bound && ls /mnt | xargs > /bind-listing
RUN --mount=type=secret,id=token,required=true cat /run/secrets/token > /secret && stat -c %a /run/secrets/token > /secret-mode
RUN --mount=type=cache,target=/var/cache/x,uid=1234 echo cached >> /var/cache/x/log && stat -c %u /var/cache/x > /cache-owner
RUN --network=none cat /proc/net/dev | tail -n +3 | wc -l > /links
COPY --exclude=*.log src/* /txt/
COPY --chown=1000:1000 --chmod=600 data/file /owned
ADD files.tar /tar/
ARG WORD=world
COPY <<EOF /heredoc.txt
hello \${WORD}
EOF
RUN <<EOF
echo "from heredoc" > /script.txt
EOF
CMD ["sh", "-c", "echo bound=$(cat /bound); echo bindListing=$(cat /bind-listing); echo secret=$(cat /secret); echo secretMode=$(cat /secret-mode); echo cacheOwner=$(cat /cache-owner); echo secretLeft=$(test -e /run/secrets/token && echo yes || echo no); echo cacheLeft=$(test -e /var/cache/x/log && echo yes || echo no); echo txt=$(ls /txt | xargs); echo chown=$(stat -c '%u:%g %a' /owned); echo tar=$(cat /tar/x/y.txt); echo heredoc=$(cat /heredoc.txt); echo script=$(cat /script.txt); echo opaque=$(ls /d | xargs); echo hardlink=$([ $(stat -c %i /h1) = $(stat -c %i /h2) ] && echo same || echo different); echo onbuild=$(cat /onbuild.txt); echo arch=$(cat /arch); echo isolated=$([ $(cat /links) = 1 ] && echo yes || echo no)"]
`;

test('mounts, COPY options, ADD of a tar, heredocs, opaque directories, hard links and ONBUILD', async (t) => {
  const ctx = contextDir({
    'Dockerfile': FEATURES, 'data/file': 'bound\n', 'data/hidden': 'ignored', '.dockerignore': 'data/hidden\n', 'token': 's3cret\n', 'src/a.txt': 'a', 'src/b.txt': 'b', 'src/skip.log': 'no', 'tree/x/y.txt': 'y',
  });
  contexts.push(ctx);
  execFileSync('tar', ['-czf', join(ctx, 'files.tar'), '-C', join(ctx, 'tree'), 'x']);
  await build(t, { context: ctx, tags: ['tsc-build-test:features'], secrets: { token: join(ctx, 'token') } });
  const { code, out } = await runToEnd(t.engine, { image: 'tsc-build-test:features' });
  assert.is(code, 0, out);
  const lines = Object.fromEntries(out.split('\n').map((l) => l.split('=')).filter((p) => p.length === 2));
  assert.equal(lines, {
    bound: 'bound', bindListing: 'file', secret: 's3cret', secretMode: '400', cacheOwner: '1234', secretLeft: 'no', cacheLeft: 'no', txt: 'a.txt b.txt', chown: '1000:1000 600', tar: 'y',
    heredoc: 'hello world', script: 'from heredoc', opaque: 'b', hardlink: 'same', onbuild: 'triggered', arch: goArch(), isolated: 'yes',
  });
});

test('a failing RUN names its Dockerfile line and exit code and makes no image', async (t) => {
  const ctx = contextDir({ 'Dockerfile': 'FROM busybox\nRUN echo before\nRUN echo oops >&2; exit 3\n' });
  contexts.push(ctx);
  await rejects(build(t, { context: ctx, tags: ['tsc-build-test:fail'] }), (e) => /exit code: 3/.test(e.message) && /oops/.test(e.message) && (e as { format?: () => string }).format?.().startsWith('Dockerfile:3:') === true);
  assert.is(await t.engine.images.inspect('tsc-build-test:fail'), undefined);
  // A stage may only read stages before it.
  // (Names that are no hex prefix: `b` could be a short image ID.)
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox AS early\nCOPY --from=later /bin/sh /x\nFROM busybox AS later\nCOPY --from=early /x /y\n');
  await rejects(build(t, { context: ctx, tags: ['tsc-build-test:fail'], target: 'early' }), (e) => /--from=later: no stage, named context or local image/.test(e.message) && (e as { line?: number }).line === 2);
});

test('COPY refuses a context symlink that points outside the context; a Dockerfile-specific .dockerignore wins', async (t) => {
  const ctx = contextDir({ 'Dockerfile': 'FROM busybox\nCOPY link /x\n' });
  contexts.push(ctx);
  symlinkSync('/etc/passwd', join(ctx, 'link'));
  await rejects(build(t, { context: ctx, tags: ['tsc-build-test:link'] }), /outside the build context/);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY up/passwd /x\n');
  symlinkSync('../../../../../../../../etc', join(ctx, 'up'));
  await rejects(build(t, { context: ctx, tags: ['tsc-build-test:link'] }), /outside the build context/);
  // <Dockerfile>.dockerignore beside the Dockerfile is the one that counts (over .dockerignore).
  writeFileSync(join(ctx, 'kept.txt'), 'k');
  writeFileSync(join(ctx, '.dockerignore'), 'nothing\n');
  writeFileSync(join(ctx, 'Custom.Dockerfile'), 'FROM busybox\nCOPY kept.txt /kept\n');
  writeFileSync(join(ctx, 'Custom.Dockerfile.dockerignore'), 'kept.txt\n');
  await rejects(build(t, { context: ctx, dockerfile: 'Custom.Dockerfile', tags: ['tsc-build-test:link'] }), /"kept.txt" not found in the build context/);
});

test('a step that changes nothing adds no layer; a built image is saved with `image save` and loaded back', async (t) => {
  const ctx = contextDir({ 'Dockerfile': 'FROM busybox\nRUN true\nRUN echo saved > /saved.txt\nCMD ["cat", "/saved.txt"]\n' });
  contexts.push(ctx);
  const r = await build(t, { context: ctx, tags: ['tsc-build-test:save'] });
  // `RUN true` changes nothing (its mount points are not changes): one new layer only.
  const base = (await t.engine.images.inspect('busybox'))!.rootfs.diff_ids.length;
  assert.is((await t.engine.images.inspect('tsc-build-test:save'))!.rootfs.diff_ids.length, base + 1);
  const tar = join(ctx, 'image.tar');
  await t.engine.images.save(['tsc-build-test:save'], tar);
  await t.engine.images.remove('tsc-build-test:save');
  const loaded = await t.engine.images.load(tar);
  assert.equal(loaded, ['tsc-build-test:save']);
  assert.is((await t.engine.images.inspect('tsc-build-test:save'))?.id, r.imageId);
  const { code, out } = await runToEnd(t.engine, { image: 'tsc-build-test:save' });
  assert.is(code, 0);
  assert.is(out.trim(), 'saved');
});

s.run();
