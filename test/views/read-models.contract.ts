/**
 * The one contract both read-model adapters pass (views/port.ts). Each test gets a fresh,
 * isolated ReadModels from the factory (its own key prefix or database).
 */
import { expect } from 'chai';
import { InvalidCursorError } from '../../views/cursor.js';
import type { ModelsOf, ReadModelsFactory, ReadModelsFixture } from './fixtures.js';
import { myPageContract } from './my-page.contract.js';
import { storeBoardContract } from './store-board.contract.js';
import { messagesContract } from './messages.contract.js';

export function readModelContract(name: string, factory: ReadModelsFactory): void {
  describe(`read models contract: ${name}`, function () {
    let fixture: ReadModelsFixture | null = null;
    const models: ModelsOf = () => {
      if (!fixture) throw new Error('read models not set up');
      return fixture.models;
    };

    beforeEach(async function () {
      fixture = await factory();
    });

    afterEach(async function () {
      await fixture?.dispose();
      fixture = null;
    });

    it('ping answers while the store is up, and rejects once the connection is closed', async function () {
      await models().ping();
      const closed = await fixture!.closed();
      const err = await closed.ping().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, 'ping over a closed connection').to.be.instanceOf(Error);
    });

    it('rejects a cursor it did not make with an InvalidCursorError (code validation)', async function () {
      for (const bad of ['not-a-cursor', Buffer.from('{"a":1}').toString('base64url'), '']) {
        const err = await models()
          .myPages('c-any', 10, bad)
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(err, `cursor ${JSON.stringify(bad)}`).to.be.instanceOf(InvalidCursorError);
        expect((err as InvalidCursorError).code).to.equal('validation');
      }
    });

    myPageContract(models);
    storeBoardContract(models);
    messagesContract(models);
  });
}
