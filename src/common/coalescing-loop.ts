/**
 * Runs `work` one pass at a time: a `kick` while a pass runs asks for exactly one more pass after it,
 * however many kicks came. For pollers that are also woken by events (the deployment queue, the
 * notification outbox).
 */
export class CoalescingLoop {
  private running = false;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.work()
      .catch((err: Error) => this.onError(err))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }
}
