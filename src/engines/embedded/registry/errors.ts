// A registry's error answers as messages a user can act on.
import { TscError } from '../../../util/errors.js';
import { header, type Response } from './transport.js';

interface ErrorBody {
  errors?: Array<{ code?: string; message?: string; detail?: unknown }>;
}

export interface ErrorContext {
  /** `pull busybox:latest`, `push localhost:5000/app:1`. */
  what: string;
  /** The repository as the user wrote it (`busybox`, `localhost:5000/app`). */
  repository: string;
  /** Where the credentials came from, or where we looked. */
  credentialSource: string;
}

/** Reads (a bounded part of) the body and turns the answer into a TscError. */
export async function responseError(res: Response, ctx: ErrorContext): Promise<TscError> {
  const text = await readSmall(res);
  let body: ErrorBody = {};
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch { /* not JSON */ }
  const first = body.errors?.[0];
  const said = first ? `${(first.code ?? '').toLowerCase()}: ${first.message ?? ''}`.replace(/^: /, '') : text.trim().slice(0, 200);
  const status = res.statusCode;
  if (status === 429) {
    const after = header(res, 'retry-after');
    const when = after ? (/^\d+$/.test(after) ? `in ${after} seconds` : `after ${after}`) : 'later';
    return new TscError('REGISTRY_RATE_LIMITED', `${ctx.what}: the registry limits requests (429 ${said || 'toomanyrequests'}): retry ${when}${ctx.credentialSource.startsWith('no credentials') ? ', or log in (`tscompose login`) for a higher limit' : ''}`);
  }
  if (status === 401 || status === 403 || first?.code === 'DENIED' || first?.code === 'UNAUTHORIZED') {
    return new TscError('REGISTRY_UNAUTHORIZED', `${ctx.what}: access denied for ${ctx.repository}, repository does not exist or may require 'tscompose login' (credentials: ${ctx.credentialSource})${said ? `: ${said}` : ''}`);
  }
  if (status === 404 || first?.code === 'NAME_UNKNOWN' || first?.code === 'MANIFEST_UNKNOWN') {
    return new TscError('REGISTRY_NOT_FOUND', `${ctx.what}: ${first?.code === 'MANIFEST_UNKNOWN' ? 'manifest unknown: no such tag or digest in' : 'repository not found:'} ${ctx.repository}${said ? ` (${said})` : ''}`);
  }
  return new TscError('REGISTRY_ERROR', `${ctx.what}: the registry answered ${status}${said ? `: ${said}` : ''}`);
}

async function readSmall(res: Response): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res.body) {
      chunks.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n > 64 * 1024) break;
    }
  } catch { /* a body cut short says less, not nothing */ }
  res.body.destroy();
  return Buffer.concat(chunks).toString('utf8');
}
