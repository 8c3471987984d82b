/** Waiting and deadlines, the same on every runtime (timers only; no clock is read). */

/** Resolves after `ms` of real time. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `promise`, or a rejection once `ms` have passed first: `late` is the error, or the name of the
 * work for "<late> took longer than <ms> ms". The work itself is not stopped. Leaves no timer behind.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, late: string | (() => Error)): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(typeof late === "string" ? new Error(`${late} took longer than ${ms} ms`) : late()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
