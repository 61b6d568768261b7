import { expect } from 'chai';
import type { CustomerMessage } from '../../views/port.js';
import { iso, T0, uid, type ModelsOf } from './fixtures.js';

function message(
  customerId: string,
  n: number,
  at: number,
  messageId = `m-${customerId}-${n}`,
): CustomerMessage {
  return {
    messageId,
    customerId,
    orderId: `o-${n}`,
    kind: 'DeliveryStarted',
    text: `Your order o-${n} is on its way`,
    createdAt: iso(at),
  };
}

export function messagesContract(models: ModelsOf): void {
  describe('messages', function () {
    it('addMessage stores a message once: true the first time, false after, the first one kept', async function () {
      const customerId = uid('c');
      const m = message(customerId, 1, T0);
      expect(await models().addMessage(m)).to.equal(true);
      expect(await models().addMessage(m)).to.equal(false);
      expect(await models().addMessage({ ...m, text: 'changed' })).to.equal(false);
      const page = await models().messages(customerId, 10, null);
      expect(page).to.deep.equal({ items: [m], next: null });
    });

    it('lists newest first, pages with a cursor, and shows only the caller’s messages', async function () {
      const customerId = uid('c');
      const other = uid('c');
      const mine = [
        message(customerId, 0, T0),
        message(customerId, 1, T0 + 2),
        message(customerId, 2, T0 + 1),
      ];
      for (const m of [...mine, message(other, 9, T0 + 5)])
        expect(await models().addMessage(m)).to.equal(true);
      const first = await models().messages(customerId, 2, null);
      expect(first.items).to.deep.equal([mine[1], mine[2]]);
      expect(first.next).to.be.a('string');
      const second = await models().messages(customerId, 2, first.next);
      expect(second).to.deep.equal({ items: [mine[0]], next: null });
      expect((await models().messages(other, 10, null)).items.map((m) => m.messageId)).to.deep.equal([
        `m-${other}-9`,
      ]);
      expect(await models().messages(uid('c'), 10, null)).to.deep.equal({ items: [], next: null });
    });

    it('pages exactly at the end: a full last page has next null', async function () {
      const customerId = uid('c');
      for (const n of [0, 1]) await models().addMessage(message(customerId, n, T0 + n));
      const page = await models().messages(customerId, 2, null);
      expect(page.items).to.have.length(2);
      expect(page.next).to.equal(null);
    });
  });
}
