import { expect } from 'chai';
import { KeyedLock } from '../../views/mongo/keyed-lock.js';

describe('KeyedLock', function () {
  it('runs tasks of one key one at a time, in call order, and other keys alongside', async function () {
    const lock = new KeyedLock();
    const log: string[] = [];
    let gate!: () => void;
    const opened = new Promise<void>((resolve) => (gate = resolve));
    const a1 = lock.run('a', async () => {
      log.push('a1 start');
      await opened;
      log.push('a1 end');
      return 1;
    });
    const a2 = lock.run('a', () => {
      log.push('a2');
      return Promise.resolve(2);
    });
    const b = lock.run('b', () => {
      log.push('b');
      return Promise.resolve(3);
    });
    expect(await b).to.equal(3);
    gate();
    expect(await Promise.all([a1, a2])).to.deep.equal([1, 2]);
    expect(log).to.deep.equal(['a1 start', 'b', 'a1 end', 'a2']);
  });

  it('a failing task does not block the next one of its key', async function () {
    const lock = new KeyedLock();
    const failed = lock.run('k', () => Promise.reject(new Error('boom')));
    const next = lock.run('k', () => Promise.resolve('ran'));
    const error = await failed.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error);
    expect(await next).to.equal('ran');
  });
});
