// `user: name[:group]` resolved against the container's own /etc/passwd and
// /etc/group, as runc/moby's user package does (GetExecUser).
import { TscError } from '../../../util/errors.js';
import { readFileInRoot } from '../fs/open-in-root.js';

export interface UserDb {
  passwd: string;
  group: string;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

/** More than any real user database; a bigger file is refused rather than read. */
export const MAX_USER_DB_BYTES = 4 * 1024 * 1024;

/**
 * The rootfs's passwd and group files; missing files read as empty. The image
 * or the running container controls them: read inside the root (a symlink to
 * the host's /etc/shadow reads the container's own), never a FIFO, bounded.
 */
export function readUserDb(rootfs: string): UserDb {
  return {
    passwd: readFileInRoot(rootfs, '/etc/passwd', MAX_USER_DB_BYTES) ?? '',
    group: readFileInRoot(rootfs, '/etc/group', MAX_USER_DB_BYTES) ?? '',
  };
}

function lines(text: string): string[][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).filter((f) => f.length >= 4).map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' }));
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text).filter((f) => f.length >= 3).map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const isId = (s: string) => /^\d+$/.test(s);

/**
 * `''` is root. A numeric uid or gid need not exist in the files; a name must.
 * Supplementary groups come from /etc/group only when no group was given;
 * `groupAdd` (names or gids) are added after them.
 */
export function resolveUser(spec: string | undefined, db: UserDb, groupAdd: string[] = []): ResolvedUser {
  const [userPart = '', groupPart] = (spec ?? '').split(':', 2);
  const users = parsePasswd(db.passwd);
  const groups = parseGroup(db.group);
  const wanted = userPart === '' ? '0' : userPart;
  const entry = isId(wanted) ? users.find((u) => u.uid === Number(wanted)) : users.find((u) => u.name === wanted);
  if (!entry && !isId(wanted)) {
    throw new TscError('USER_NOT_FOUND', `unable to find user ${wanted}: no matching entries in the image's /etc/passwd (use a numeric uid, or create the user in the image)`);
  }
  const uid = entry?.uid ?? Number(wanted);
  let gid = entry?.gid ?? 0;
  const lookupGroup = (g: string): number => {
    if (isId(g)) return Number(g);
    const found = groups.find((e) => e.name === g);
    if (!found) throw new TscError('GROUP_NOT_FOUND', `unable to find group ${g}: no matching entries in the image's /etc/group (use a numeric gid)`);
    return found.gid;
  };
  const additional: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    gid = lookupGroup(groupPart);
  } else if (entry) {
    for (const g of groups) if (g.members.includes(entry.name) && g.gid !== gid) additional.push(g.gid);
  }
  for (const g of groupAdd) {
    const id = lookupGroup(g);
    if (!additional.includes(id)) additional.push(id);
  }
  return { uid, gid, additionalGids: additional, home: entry?.home || '/' };
}
