/**
 * Runs tasks one at a time per key, in call order; different keys run concurrently.
 *
 * Why: FerretDB 1.24 on SQLite applies an update as read, modify in Go, write back, without
 * isolating concurrent updates of one document: measured here, 49 of 50 rounds of four
 * concurrent `$set`s on distinct fields of one document lost at least one of them. MongoDB
 * makes each single-document update atomic, so there the filtered upsert alone is enough.
 * Serialising per document inside the process makes FerretDB correct too, as long as one
 * process applies a given order's events (the runtime's per-key order gives that).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await task();
    } finally {
      release();
      // Last in line: forget the key so the map does not grow with every order ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
