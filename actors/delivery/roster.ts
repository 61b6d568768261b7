/** The courier roster port: the store's couriers (config `COURIERS`), assigned in turn. */
export interface CourierRoster {
  /** The courier for the next delivery; called only when a delivery starts. */
  next(): Promise<string>;
}

/**
 * A round-robin roster over a fixed list, kept in memory: fairness across processes is not
 * needed, only that every delivery gets one of the store's couriers.
 */
export function roundRobinRoster(couriers: readonly string[]): CourierRoster {
  const list = [...couriers];
  if (list.length === 0) throw new Error('the courier roster is empty: set COURIERS to at least one user id');
  let turn = 0;
  return {
    next(): Promise<string> {
      const courier = list[turn % list.length] ?? list[0] ?? '';
      turn = (turn + 1) % list.length;
      return Promise.resolve(courier);
    },
  };
}
