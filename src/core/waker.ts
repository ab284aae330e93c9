// A worker's idle wait: sleep until the interval passes or a nudge arrives, whichever is first.
// A nudge during a pass is remembered, so the worker runs again instead of sleeping through it.

export interface Waker {
  /** Wakes a sleeping worker, or marks the next sleep as already due. */
  nudge(): void;
  /** True when a nudge came since the last call (and clears it). */
  takeNudge(): boolean;
  sleep(): Promise<void>;
}

export function createWaker(intervalMs: number): Waker {
  let nudged = false;
  let wake: (() => void) | undefined;
  return {
    nudge() {
      nudged = true;
      wake?.();
    },
    takeNudge() {
      const was = nudged;
      nudged = false;
      return was;
    },
    sleep: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, intervalMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
  };
}
