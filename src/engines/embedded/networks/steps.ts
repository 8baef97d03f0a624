// Teardown, libpod style: every step runs even after one failed, and the first failure is reported.
export class StepErrors {
  private first: unknown;
  private failed = false;

  async run(step: () => Promise<unknown> | unknown): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (!this.failed) this.first = error;
      this.failed = true;
    }
  }

  get ok(): boolean {
    return !this.failed;
  }

  throwFirst(): void {
    if (this.failed) throw this.first;
  }
}
