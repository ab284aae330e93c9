/** A promise that did not settle within its wait (within()). */
export class TimedOut extends Error {}

/**
 * `promise`, or a rejection with TimedOut after `ms`. The promise itself is left to settle on its
 * own (marked handled, so one that outlives its wait does not reject unobserved) and the timer is
 * cleared either way. For queries that must not hold a caller for longer than a probe allows.
 */
export function within<T>(promise: Promise<T>, ms: number, what = "no answer"): Promise<T> {
  promise.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
