// Many requests for the same idempotent work (re-read the state, tell the
// agent to re-read it), served in batches: one run at a time, and each request
// is answered by the first run that started after it was made. Requests that
// arrive during a run share the next one, so a burst of N costs two runs, and
// no request waits for more than the run in progress and its own.
export class Coalescer {
  private requested = 0;
  private loop: Promise<void> | undefined;
  private waiters: Array<{ gen: number; resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly run: () => Promise<void>) {}

  request(): Promise<void> {
    const gen = ++this.requested;
    const answered = new Promise<void>((resolve, reject) => this.waiters.push({ gen, resolve, reject }));
    this.loop ??= this.drain();
    return answered;
  }

  /** Resolves once no run is in progress or wanted. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiters.length > 0) {
        const gen = this.requested;
        let failure: { error: unknown } | undefined;
        try {
          await this.run();
        } catch (error) {
          failure = { error };
        }
        const served = this.waiters.filter((w) => w.gen <= gen);
        this.waiters = this.waiters.filter((w) => w.gen > gen);
        for (const w of served) {
          if (failure) w.reject(failure.error);
          else w.resolve();
        }
      }
    } finally {
      this.loop = undefined;
    }
  }
}
