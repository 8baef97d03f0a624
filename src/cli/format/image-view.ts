// Images as `docker image ls` and `docker image inspect` print them.
import type { ImageDetails, ImageSummary } from '../../engine/types.js';
import { goTimeString, shortId } from './go-text.js';
import { DOCKER_TABLE, renderTable } from './tabwriter.js';
import { humanDuration, humanSize } from './units.js';

export interface ImageRow {
  repository: string;
  tag: string;
  digest: string;
  image: ImageSummary;
}

/** `busybox:latest` → [busybox, latest]; a registry port is not a tag. */
export function splitRepoTag(ref: string): [string, string] {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return [name.slice(0, colon), name.slice(colon + 1)];
  return [name, '<none>'];
}

/** One row per tag; an untagged image is one `<none>` row. */
export function imageRows(images: ImageSummary[]): ImageRow[] {
  return images.flatMap((image) => {
    const digestOf = (repo: string) => image.repoDigests.find((d) => d.startsWith(`${repo}@`))?.split('@')[1] ?? '<none>';
    if (image.repoTags.length === 0) {
      const [repo] = image.repoDigests[0] ? splitRepoTag(image.repoDigests[0]) : ['<none>'];
      return [{ repository: repo, tag: '<none>', digest: image.repoDigests[0]?.split('@')[1] ?? '<none>', image }];
    }
    return [...image.repoTags].sort().map((ref) => {
      const [repository, tag] = splitRepoTag(ref);
      return { repository, tag, digest: digestOf(repository), image };
    });
  });
}

export function renderImageTable(rows: ImageRow[], now: number): string {
  return renderTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map((r) => [
    r.repository, r.tag, shortId(r.image.id), `${humanDuration(now - Date.parse(r.image.created))} ago`, humanSize(r.image.size),
  ]), DOCKER_TABLE);
}

/** `docker image ls --format json`: one object per line, Go's key order and HTML escaping. */
export function imageJsonLine(r: ImageRow, now: number, timeZone?: string): string {
  return goJson({
    Containers: 'N/A',
    CreatedAt: goTimeString(new Date(r.image.created), timeZone),
    CreatedSince: `${humanDuration(now - Date.parse(r.image.created))} ago`,
    Digest: r.digest,
    ID: shortId(r.image.id),
    Repository: r.repository,
    SharedSize: 'N/A',
    Size: humanSize(r.image.size),
    Tag: r.tag,
    UniqueSize: 'N/A',
    VirtualSize: humanSize(r.image.size, 4),
  });
}

/** The object `docker image inspect` prints for an image. */
export function imageInspectObject(d: ImageDetails): Record<string, unknown> {
  const c = d.config;
  return {
    Id: d.id,
    RepoTags: d.repoTags,
    RepoDigests: d.repoDigests,
    Parent: '',
    Comment: '',
    Created: d.created,
    DockerVersion: '',
    Author: '',
    Config: {
      Hostname: '', Domainname: '', User: c.User ?? '',
      AttachStdin: false, AttachStdout: false, AttachStderr: false,
      ExposedPorts: c.ExposedPorts, Tty: false, OpenStdin: false, StdinOnce: false,
      Env: c.Env ?? null, Cmd: c.Cmd ?? null, Healthcheck: c.Healthcheck, Image: '',
      Volumes: c.Volumes ?? null, WorkingDir: c.WorkingDir ?? '', Entrypoint: c.Entrypoint ?? null,
      OnBuild: null, Labels: c.Labels ?? null, StopSignal: c.StopSignal,
    },
    Architecture: d.architecture,
    Os: d.os,
    Size: d.size,
    GraphDriver: { Data: null, Name: 'overlay' },
    RootFS: { Type: 'layers', Layers: d.rootfs.diff_ids },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** JSON as Go's encoding/json writes it: `<`, `>`, `&` escaped. */
export function goJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[<>&]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
}
