// `tscompose system doctor --repair`: puts right what commands refuse to work
// with or leave to the user: a damaged image index (rebuilt from the blobs),
// damaged network records (moved aside), then the repair every command runs
// first (damaged container records, half-made ones, locks of dead holders,
// temporary files), each thing done said in one line.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TscError } from '../../util/errors.js';
import { openContainerContext } from './agent/open-context.js';
import { repairStateRoot, type StateRootRepairReport } from './engine.js';
import { ImageStore } from './images/store.js';
import { RECORD_KINDS } from './networks/records.js';
import { isJsonObject, quarantine, readStateJson } from './state/damaged-file.js';
import { openStateRoot, type StateRoot } from './state/root.js';

export async function repairStateFiles(rootPath: string): Promise<string[]> {
  const root = openStateRoot(rootPath);
  const lines: string[] = [];
  const index = await new ImageStore({ root: root.path }).repairIndex();
  if (index) {
    const tags = index.tagsRestored === undefined
      ? 'untagged: this store kept no copy of its tags, they are lost (tag the images again: `image tag ID NAME`)'
      : `restored ${index.tagsRestored} tag(s)${index.tagsDropped ? `; ${index.tagsDropped} tag(s) of images no longer in the store are gone` : ''}`;
    lines.push(`rebuilt ${index.path} from the image blobs: ${index.images} image(s), ${tags}; the damaged file is at ${index.movedTo}`);
  }
  lines.push(...quarantineNetworkRecords(root));
  lines.push(...describe(await repairStateRoot(openContainerContext(root))));
  return lines;
}

function quarantineNetworkRecords(root: StateRoot): string[] {
  const lines: string[] = [];
  for (const kind of RECORD_KINDS) {
    const dir = join(root.path, 'network', kind);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
      const path = join(dir, name);
      try {
        readStateJson(path, isJsonObject);
        continue;
      } catch (error) {
        if (!(error instanceof TscError && error.code === 'STATE_DAMAGED')) throw error;
      }
      const movedTo = quarantine(root.path, path);
      lines.push(`moved the damaged ${path} to ${movedTo}${kind === 'networks' ? `; \`up\` makes network ${name.slice(0, -5)} again (a bridge it had is left: see \`ip link show type bridge\`)` : ''}`);
    }
  }
  return lines;
}

function describe(r: StateRootRepairReport): string[] {
  const lines: string[] = [];
  for (const d of r.records.damaged) {
    for (const f of d.files) lines.push(`container ${d.name}: ${f.path} ${f.movedTo ? `was damaged (${f.reason}): moved to ${f.movedTo}` : 'was missing'}; kept as "damaged" for \`down\` or \`rm -f\``);
  }
  for (const x of r.records.removed) {
    const volumes = x.volumes?.length ? `, and the anonymous volume(s) it had made: ${x.volumes.join(', ')}` : '';
    lines.push(`removed the record of container ${x.id.slice(0, 12)}: ${x.reason}${volumes}`);
  }
  for (const x of r.records.markedDead) lines.push(`marked container ${x.id.slice(0, 12)} dead: ${x.reason}`);
  if (r.records.namesFixed.length) lines.push(`fixed container names: ${r.records.namesFixed.join(', ')}`);
  if (r.records.locksRemoved) lines.push(`removed ${r.records.locksRemoved} lock file(s) of processes that are gone`);
  if (r.records.tempFilesRemoved) lines.push(`removed ${r.records.tempFilesRemoved} temporary file(s) of processes that are gone`);
  for (const id of r.runtime.deleted) lines.push(`deleted runtime container ${id.slice(0, 12)}: its monitor was gone`);
  for (const p of r.runtime.problems) lines.push(`could not repair: ${p}`);
  if (r.unmounted.length) lines.push(`unmounted ${r.unmounted.length} root filesystem(s) of stopped containers`);
  if (r.sandboxes.length) lines.push(`released the network of ${r.sandboxes.length} container(s) no longer running`);
  for (const n of r.networks) lines.push(`network ${n.network}: put back (${n.problems.join(', ')})`);
  return lines;
}
