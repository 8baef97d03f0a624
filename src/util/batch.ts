// Many small jobs of the same kind (unmount this, delete that link) done
// together: one run at a time over a list of items, and items submitted while
// a run is in progress go into the next one. N concurrent callers cost one
// process (or one file read) per wave instead of N, and each caller gets its
// own item's outcome. Unlike util/coalesce, every item is distinct work.

/** One item's outcome: a value, or the error for that item alone. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Does the items (in order) and returns one outcome per item; a throw fails every item of the run. */
export type BatchWork<I, R> = (items: I[]) => Promise<Array<ItemOutcome<R>>>;

export class Batcher<I, R> {
  private queue: Array<{ item: I; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  private loop: Promise<void> | undefined;

  constructor(private readonly work: BatchWork<I, R>) {}

  submit(item: I): Promise<R> {
    const done = new Promise<R>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    this.loop ??= this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    try {
      // Callers that start in the same turn share the first run too.
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let outcomes: Array<ItemOutcome<R>>;
        try {
          outcomes = await this.work(batch.map((b) => b.item));
        } catch (error) {
          outcomes = batch.map(() => ({ ok: false, error }));
        }
        batch.forEach((b, i) => {
          const o = outcomes[i] ?? { ok: false, error: new Error('batch work returned no outcome for this item') };
          if (o.ok) b.resolve(o.value);
          else b.reject(o.error);
        });
      }
    } finally {
      this.loop = undefined;
    }
  }
}
