import { expect } from 'chai';
import type { StoreOrderStatus } from '../../actors/events.js';
import type { StoreBoardItem } from '../../views/port.js';
import { applyAll, iso, OrderEvents, T0, type ModelsOf } from './fixtures.js';

export function storeBoardContract(models: ModelsOf): void {
  const ids = async (status: StoreOrderStatus | null): Promise<string[]> =>
    (await models().storeBoard(status, 100, null)).items.map((i) => i.orderId);

  describe('store board', function () {
    it('StoreOrderReceived creates the item with status Received and receivedAt = the event time', async function () {
      const o = new OrderEvents();
      await models().apply(o.received({ version: 1, at: T0 }));
      const page = await models().storeBoard(null, 10, null);
      expect(page.items).to.deep.equal([
        {
          orderId: o.orderId,
          status: 'Received',
          productId: 'fridge-x1',
          quantity: 2,
          address: o.address,
          receivedAt: iso(T0),
        },
      ]);
      expect(page.next).to.equal(null);
    });

    it('accept, pack and cancel move the item between the status lists', async function () {
      const o = new OrderEvents();
      await models().apply(o.received({ version: 1 }));
      expect(await ids('Received')).to.deep.equal([o.orderId]);
      await models().apply(o.store('StoreOrderAccepted', { version: 2, at: T0 + 1 }));
      expect(await ids('Received')).to.deep.equal([]);
      expect(await ids('Accepted')).to.deep.equal([o.orderId]);
      await models().apply(o.store('StoreOrderPacked', { version: 3, at: T0 + 2 }));
      expect(await ids('Accepted')).to.deep.equal([]);
      expect(await ids('Packed')).to.deep.equal([o.orderId]);
      await models().apply(o.store('StoreOrderCancelled', { version: 4, at: T0 + 3 }));
      expect(await ids('Packed')).to.deep.equal([]);
      expect(await ids('Cancelled')).to.deep.equal([o.orderId]);
      const [item] = (await models().storeBoard(null, 10, null)).items;
      expect(item).to.include({ status: 'Cancelled', receivedAt: iso(T0) });
    });

    it('filters by status; null lists every status, newest received first', async function () {
      const a = new OrderEvents('o-a');
      const b = new OrderEvents('o-b');
      const c = new OrderEvents('o-c');
      await applyAll(models(), [
        a.received({ at: T0 + 1 }),
        b.received({ at: T0 + 3 }),
        c.received({ at: T0 + 2 }),
        b.store('StoreOrderAccepted', { version: 2, at: T0 + 4 }),
      ]);
      expect(await ids(null)).to.deep.equal(['o-b', 'o-c', 'o-a']);
      expect(await ids('Received')).to.deep.equal(['o-c', 'o-a']);
      expect(await ids('Accepted')).to.deep.equal(['o-b']);
      expect(await ids('Packed')).to.deep.equal([]);
    });

    it('is idempotent and ignores older versions', async function () {
      const o = new OrderEvents();
      await applyAll(models(), [
        o.received({ version: 1 }),
        o.store('StoreOrderPacked', { version: 3, at: T0 + 2 }),
        o.store('StoreOrderAccepted', { version: 2, at: T0 + 1 }),
        o.received({ version: 1 }),
        o.store('StoreOrderPacked', { version: 3, at: T0 + 2 }),
      ]);
      expect(await ids('Packed')).to.deep.equal([o.orderId]);
      expect(await ids('Accepted')).to.deep.equal([]);
      expect(await ids('Received')).to.deep.equal([]);
      expect(await ids(null)).to.deep.equal([o.orderId]);
    });

    it('ends up correct when a status change arrives before StoreOrderReceived', async function () {
      const o = new OrderEvents();
      await models().apply(o.store('StoreOrderAccepted', { version: 2, at: T0 + 5 }));
      expect(await ids(null)).to.deep.equal([]);
      await models().apply(o.received({ version: 1, at: T0 }));
      const items = (await models().storeBoard('Accepted', 10, null)).items;
      expect(items).to.deep.equal([
        {
          orderId: o.orderId,
          status: 'Accepted',
          productId: 'fridge-x1',
          quantity: 2,
          address: o.address,
          receivedAt: iso(T0),
        },
      ]);
      expect(await ids('Received')).to.deep.equal([]);
    });

    it('pages with a cursor that survives the last item changing status', async function () {
      const orders = [0, 1, 2, 3, 4].map((i) => new OrderEvents(`o-${i}`));
      await applyAll(
        models(),
        orders.map((o, i) => o.received({ at: T0 + i })),
      );
      const first = await models().storeBoard('Received', 2, null);
      expect(first.items.map((i) => i.orderId)).to.deep.equal(['o-4', 'o-3']);
      expect(first.next).to.be.a('string');
      // The cursor's own item leaves the Received list before the next page is read.
      await models().apply(orders[3]!.store('StoreOrderAccepted', { version: 2, at: T0 + 10 }));
      const rest: StoreBoardItem[] = [];
      let cursor = first.next;
      while (cursor !== null) {
        const page = await models().storeBoard('Received', 2, cursor);
        rest.push(...page.items);
        cursor = page.next;
      }
      expect(rest.map((i) => i.orderId)).to.deep.equal(['o-2', 'o-1', 'o-0']);
    });
  });
}
