/**
 * `work`'s outcome, or `late()`'s once `ms` have passed (a rejected promise from `late` rejects).
 * `work` goes on after that; its later failure is dropped, not left unhandled. For answers that must
 * come within a deadline while Redis may not answer at all: ioredis keeps a command queued across
 * reconnects for tens of seconds.
 */
export async function within<T>(work: Promise<T>, ms: number, late: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
