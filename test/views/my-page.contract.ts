import { expect } from 'chai';
import { applyAll, iso, OrderEvents, T0, uid, type ModelsOf } from './fixtures.js';

const statuses = (h: readonly { status: string }[]): string[] => h.map((e) => e.status);

export function myPageContract(models: ModelsOf): void {
  describe('my page', function () {
    it('OrderPlaced creates the document with the order line and status Ordered', async function () {
      const o = new OrderEvents();
      await models().apply(o.placed({ version: 1, at: T0 }));
      expect(await models().myPage(o.customerId, o.orderId)).to.deep.equal({
        orderId: o.orderId,
        customerId: o.customerId,
        productId: 'fridge-x1',
        quantity: 2,
        amount: 99800,
        currency: 'EUR',
        orderStatus: 'Ordered',
        paymentStatus: null,
        deliveryStatus: null,
        updatedAt: iso(T0),
        history: [{ status: 'Ordered', at: iso(T0) }],
      });
    });

    it('OrderRejected creates the document with status Rejected, PaymentDeclined sets the payment', async function () {
      const o = new OrderEvents();
      await applyAll(models(), [o.declined({ version: 1, at: T0 }), o.rejected({ version: 1, at: T0 + 1 })]);
      const page = await models().myPage(o.customerId, o.orderId);
      expect(page?.orderStatus).to.equal('Rejected');
      expect(page?.paymentStatus).to.equal('Declined');
      expect(statuses(page?.history ?? [])).to.deep.equal(['PaymentDeclined', 'Rejected']);
    });

    it('follows the whole lifecycle: order, payment and delivery statuses with their history', async function () {
      const o = new OrderEvents();
      await applyAll(models(), [
        o.approved({ version: 1, at: T0 }),
        o.placed({ version: 1, at: T0 + 1 }),
        o.status('Accepted', { version: 2, at: T0 + 10 }),
        o.status('Packed', { version: 3, at: T0 + 20 }),
        o.delivery('DeliveryStarted', { version: 1, at: T0 + 30 }),
        o.status('DeliveryStarted', { version: 4, at: T0 + 31 }),
        o.delivery('DeliveryCompleted', { version: 2, at: T0 + 40 }),
        o.status('Delivered', { version: 5, at: T0 + 41 }),
      ]);
      const page = await models().myPage(o.customerId, o.orderId);
      expect(page).to.include({
        orderStatus: 'Delivered',
        paymentStatus: 'Approved',
        deliveryStatus: 'Delivered',
      });
      expect(page?.updatedAt).to.equal(iso(T0 + 41));
      // The same fact told by two actors (DeliveryStarted, Delivered) shows once, at the first time seen.
      expect(page?.history).to.deep.equal([
        { status: 'PaymentApproved', at: iso(T0) },
        { status: 'Ordered', at: iso(T0 + 1) },
        { status: 'Accepted', at: iso(T0 + 10) },
        { status: 'Packed', at: iso(T0 + 20) },
        { status: 'DeliveryStarted', at: iso(T0 + 30) },
        { status: 'Delivered', at: iso(T0 + 40) },
      ]);
    });

    it('a cancellation sets order Cancelled, payment Refunded and delivery Cancelled', async function () {
      const o = new OrderEvents();
      await applyAll(models(), [
        o.placed({ version: 1, at: T0 }),
        o.approved({ version: 1, at: T0 }),
        o.delivery('DeliveryStarted', { version: 1, at: T0 + 5 }),
        o.cancelled({ version: 2, at: T0 + 10 }),
        o.status('Cancelled', { version: 3, at: T0 + 11 }),
        o.refunded({ version: 2, at: T0 + 12 }),
        o.delivery('DeliveryCancelled', { version: 2, at: T0 + 13 }),
      ]);
      const page = await models().myPage(o.customerId, o.orderId);
      expect(page).to.include({
        orderStatus: 'Cancelled',
        paymentStatus: 'Refunded',
        deliveryStatus: 'Cancelled',
      });
      // Lifecycle order, whatever the times: the payment approved, then the order placed; the
      // delivery cancelled, then the order, then the refund.
      expect(statuses(page?.history ?? [])).to.deep.equal([
        'PaymentApproved',
        'Ordered',
        'DeliveryStarted',
        'DeliveryCancelled',
        'Cancelled',
        'PaymentRefunded',
      ]);
      expect(page?.updatedAt).to.equal(iso(T0 + 13));
    });

    it('is idempotent: the same events applied twice change nothing', async function () {
      const o = new OrderEvents();
      const events = [
        o.placed({ version: 1 }),
        o.approved({ version: 1 }),
        o.status('Accepted', { version: 2, at: T0 + 5 }),
      ];
      await applyAll(models(), events);
      const once = await models().myPage(o.customerId, o.orderId);
      await applyAll(models(), events);
      await applyAll(models(), events.slice().reverse());
      expect(await models().myPage(o.customerId, o.orderId)).to.deep.equal(once);
      expect(once?.history).to.have.length(3);
    });

    it('ignores an event whose version is not newer than its source holds', async function () {
      const o = new OrderEvents();
      await applyAll(models(), [
        o.placed({ version: 1, at: T0 }),
        o.status('Packed', { version: 3, at: T0 + 20 }),
        o.status('Accepted', { version: 2, at: T0 + 10 }),
        o.status('Cancelled', { version: 3, at: T0 + 30 }),
      ]);
      const page = await models().myPage(o.customerId, o.orderId);
      expect(page?.orderStatus).to.equal('Packed');
      expect(statuses(page?.history ?? [])).to.deep.equal(['Ordered', 'Packed']);
      expect(page?.updatedAt).to.equal(iso(T0 + 20));
    });

    it('keeps one version per source: a payment event is not stale because the order is further along', async function () {
      const o = new OrderEvents();
      await applyAll(models(), [o.placed({ version: 1 }), o.status('Packed', { version: 7, at: T0 + 5 })]);
      await models().apply(o.approved({ version: 1, at: T0 + 1 }));
      expect((await models().myPage(o.customerId, o.orderId))?.paymentStatus).to.equal('Approved');
    });

    it('ends up correct when events arrive before OrderPlaced (out of order across sources)', async function () {
      const o = new OrderEvents();
      await applyAll(models(), [
        o.approved({ version: 1, at: T0 }),
        o.delivery('DeliveryStarted', { version: 1, at: T0 + 30 }),
      ]);
      // Partial: no order line yet, so not shown.
      expect(await models().myPage(o.customerId, o.orderId)).to.equal(null);
      expect((await models().myPages(o.customerId, 10, null)).items).to.deep.equal([]);
      await models().apply(o.placed({ version: 1, at: T0 + 1 }));
      const page = await models().myPage(o.customerId, o.orderId);
      expect(page).to.include({
        productId: 'fridge-x1',
        orderStatus: 'Ordered',
        paymentStatus: 'Approved',
        deliveryStatus: 'Started',
      });
      expect(page?.updatedAt).to.equal(iso(T0 + 30));
      expect(statuses(page?.history ?? [])).to.deep.equal(['PaymentApproved', 'Ordered', 'DeliveryStarted']);
      expect((await models().myPages(o.customerId, 10, null)).items.map((i) => i.orderId)).to.deep.equal([
        o.orderId,
      ]);
    });

    it('fills in the order line from a late OrderPlaced even when a newer order event came first', async function () {
      const o = new OrderEvents();
      await models().apply(o.status('Accepted', { version: 2, at: T0 + 10 }));
      await models().apply(o.placed({ version: 1, at: T0 }));
      const page = await models().myPage(o.customerId, o.orderId);
      expect(page).to.include({
        productId: 'fridge-x1',
        quantity: 2,
        amount: 99800,
        orderStatus: 'Accepted',
      });
      expect((await models().myPages(o.customerId, 10, null)).items).to.have.length(1);
    });

    it('converges when replicas apply events concurrently, duplicates included', async function () {
      const o = new OrderEvents();
      // Each source's events stay in order (one partition per key); sources and duplicates race.
      const lanes = [
        [o.placed({ version: 1, at: T0 }), o.status('Accepted', { version: 2, at: T0 + 1 })],
        [o.approved({ version: 1, at: T0 })],
        [o.delivery('DeliveryStarted', { version: 1, at: T0 + 3 })],
      ];
      await Promise.all([...lanes, ...lanes].map((lane) => applyAll(models(), lane)));
      const page = await models().myPage(o.customerId, o.orderId);
      expect(page).to.include({
        orderStatus: 'Accepted',
        paymentStatus: 'Approved',
        deliveryStatus: 'Started',
      });
      expect(statuses(page?.history ?? [])).to.deep.equal([
        'PaymentApproved',
        'Ordered',
        'Accepted',
        'DeliveryStarted',
      ]);
      expect(page?.updatedAt).to.equal(iso(T0 + 3));
    });

    it("shows a customer only their own orders: another customer's order is null", async function () {
      const mine = new OrderEvents();
      const theirs = new OrderEvents();
      await applyAll(models(), [mine.placed(), theirs.placed()]);
      expect(await models().myPage(mine.customerId, theirs.orderId)).to.equal(null);
      expect(await models().myPage(theirs.customerId, mine.orderId)).to.equal(null);
      const list = await models().myPages(mine.customerId, 100, null);
      expect(list.items.map((i) => i.orderId)).to.deep.equal([mine.orderId]);
      expect(list.next).to.equal(null);
      expect(await models().myPage(mine.customerId, uid('o-unknown'))).to.equal(null);
    });

    it('pages newest first by creation time, ties by orderId, with next null on the last page', async function () {
      const customerId = uid('c');
      const times = [T0 + 1, T0 + 5, T0 + 3, T0 + 5, T0 + 2];
      const orders = times.map((_, i) => new OrderEvents(`o-${customerId}-${i}`, customerId));
      await applyAll(
        models(),
        orders.map((o, i) => o.placed({ at: times[i] })),
      );
      const expected = [3, 1, 2, 4, 0].map((i) => orders[i]!.orderId);
      const seen: string[] = [];
      let cursor: string | null = null;
      const pages: number[] = [];
      do {
        const page: { items: readonly { orderId: string }[]; next: string | null } = await models().myPages(
          customerId,
          2,
          cursor,
        );
        pages.push(page.items.length);
        seen.push(...page.items.map((i) => i.orderId));
        cursor = page.next;
        // A newer order placed while paging must not shift or repeat what follows.
        if (pages.length === 1)
          await models().apply(new OrderEvents(`o-${customerId}-new`, customerId).placed({ at: T0 + 99 }));
      } while (cursor !== null);
      expect(pages).to.deep.equal([2, 2, 1]);
      expect(seen).to.deep.equal(expected);
      const first = await models().myPages(customerId, 100, null);
      expect(first.items.map((i) => i.orderId)).to.deep.equal([`o-${customerId}-new`, ...expected]);
      expect(first.next).to.equal(null);
    });
  });
}
