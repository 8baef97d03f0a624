// Queries per client, as a token bucket per source address: one container
// flooding the resolver runs out of tokens and its queries are dropped, while
// the others keep theirs.
export interface RateLimitOptions {
  /** Sustained queries per second per client. */
  perSecond: number;
  /** Queries a client may send at once after a quiet spell. */
  burst: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept at most; beyond, the full (idle) ones are forgotten. */
const MAX_CLIENTS = 4096;

export class ClientRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** Takes one token of `client`'s; false when it has none left. */
  take(client: string): boolean {
    const now = this.now();
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= MAX_CLIENTS) this.forgetIdle(now);
      b = { tokens: this.opts.burst, at: now };
      this.buckets.set(client, b);
    } else {
      b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.at) / 1000) * this.opts.perSecond);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private forgetIdle(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.opts.perSecond >= this.opts.burst) this.buckets.delete(k);
    }
    if (this.buckets.size >= MAX_CLIENTS) this.buckets.clear();
  }
}
