/**
 * Runs a task at most once per interval: at once when the last run is old enough, else once
 * at the end of the interval (the trailing run), however many requests came in between. The
 * task reads the latest value itself, so the latest value wins.
 */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param intervalMs the shortest time between two runs
   * @param task what to run
   * @param now the clock (`Date.now`, which `jasmine.clock().mockDate()` drives in specs)
   */
  constructor(private readonly intervalMs: number, private readonly task: () => void, private readonly now: () => number = () => Date.now()) {}

  /** True while a trailing run is scheduled. */
  get scheduled(): boolean {
    return this.timer !== null;
  }

  /** Asks for a run: now if the interval has passed since the last one, else at its end. */
  request(): void {
    if (this.timer !== null) return;
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) this.run();
    else this.timer = setTimeout(() => this.run(), wait);
  }

  /** Runs now, whatever the interval (a scheduled run is replaced by this one). */
  runNow(): void {
    this.run();
  }

  /** Forgets a scheduled run. */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    this.cancel();
    this.last = this.now();
    this.task();
  }
}
