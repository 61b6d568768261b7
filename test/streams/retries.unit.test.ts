import { expect } from 'chai';
import { TerminalError } from '../../streams/errors.js';
import { retryAfter } from '../../streams/retries.js';

describe('retryAfter: attempts 2..n after a failed first attempt', () => {
  const policy = { maxAttempts: 4, firstBackoffMs: 1, maxBackoffMs: 5 };
  /** An attempt function that records its attempt numbers and fails with `fail(n)` until `okFrom`. */
  const recorded =
    (seen: number[], fail: (n: number) => Error, okFrom = Infinity) =>
    (n: number) => {
      seen.push(n);
      return n >= okFrom ? Promise.resolve(`ok at ${n}`) : Promise.reject(fail(n));
    };

  it('retries until an attempt succeeds, numbering the attempts from 2', async () => {
    const seen: number[] = [];
    let retries = 0;
    const r = await retryAfter(
      new Error('first'),
      recorded(seen, (n) => new Error(`attempt ${n}`), 3),
      policy,
      new AbortController().signal,
      () => retries++,
    );
    expect(r).to.deep.equal({ value: 'ok at 3' });
    expect(seen).to.deep.equal([2, 3]);
    expect(retries).to.equal(2);
  });

  it('gives up after maxAttempts in all, with the last error', async () => {
    const seen: number[] = [];
    const r = await retryAfter(
      new Error('first'),
      recorded(seen, (n) => new Error(`attempt ${n}`)),
      policy,
      new AbortController().signal,
      () => undefined,
    );
    expect(seen).to.deep.equal([2, 3, 4]);
    expect((r as { failed: Error }).failed.message).to.equal('attempt 4');
  });

  it('does not retry a terminal error, first or later', async () => {
    const never = () => Promise.reject(new Error('must not run'));
    const signal = new AbortController().signal;
    const first = new TerminalError('bad');
    expect(await retryAfter(first, never, policy, signal, () => undefined)).to.deep.equal({ failed: first });
    const seen: number[] = [];
    const later = await retryAfter(
      new Error('first'),
      recorded(seen, (n) => new TerminalError(`attempt ${n}`)),
      policy,
      signal,
      () => undefined,
    );
    expect(seen).to.deep.equal([2]);
    expect((later as { failed: Error }).failed.message).to.equal('attempt 2');
  });

  it('rejects once the shard is going away (signal aborted), so the entry stays pending', async () => {
    const ac = new AbortController();
    ac.abort();
    const first = new Error('first');
    const outcome = await retryAfter(
      first,
      () => Promise.resolve(1),
      policy,
      ac.signal,
      () => undefined,
    ).then(
      () => 'resolved',
      (err: unknown) => err,
    );
    expect(outcome).to.equal(first);
  });
});
