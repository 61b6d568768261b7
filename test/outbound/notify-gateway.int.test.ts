import { expect } from 'chai';
import { Registry } from 'prom-client';
import { OutboundError } from '../../outbound/errors.js';
import {
  createNotificationGateway,
  type NotificationGateway,
  type NotificationMessage,
} from '../../outbound/notify/gateway.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { uniquePrefix } from '../support/hooks.js';
import { freePort } from '../support/processes.js';
import { metricValue } from './helpers.js';

describe('outbound: notification gateway against a real HTTP server', () => {
  let fake: FakeGateway;
  let registry: Registry;
  const gateways: NotificationGateway[] = [];

  const gateway = (url: string | null = fake.url): NotificationGateway => {
    const g = createNotificationGateway({
      url,
      timeoutMs: 500,
      registry,
      retry: { retries: 3, minDelayMs: 10, maxDelayMs: 40 },
    });
    gateways.push(g);
    return g;
  };
  const message = (): NotificationMessage => {
    const orderId = uniquePrefix();
    return {
      messageId: `${orderId}:DeliveryStarted`,
      customerId: 'c-1',
      orderId,
      kind: 'DeliveryStarted',
      text: 'Your fridge is on its way.',
    };
  };

  beforeEach(async () => {
    fake = await startFakeGateway();
    registry = new Registry();
  });
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.close();
    await fake.stop();
  });

  it('posts the message as JSON with Idempotency-Key set to the messageId', async () => {
    const m = message();
    await gateway().send(m);
    expect(fake.received()).to.deep.equal([
      { path: '/notify', body: m, idempotencyKey: m.messageId, status: 202 },
    ]);
    expect(await metricValue(registry, 'appliance_notifications_total', { outcome: 'sent' })).to.equal(1);
  });

  it('retries with back-off while the gateway fails, then delivers once', async () => {
    fake.failNext(2);
    const m = message();
    await gateway().send(m);
    expect(fake.received().map((p) => p.status)).to.deep.equal([503, 503, 202]);
    expect(fake.received().every((p) => p.idempotencyKey === m.messageId)).to.equal(true);
    expect(fake.delivered()).to.have.length(1);
    expect(await metricValue(registry, 'appliance_notifications_total', { outcome: 'failed' })).to.equal(2);
    expect(await metricValue(registry, 'appliance_notifications_total', { outcome: 'sent' })).to.equal(1);
  });

  it('gives up by throwing after the retries, so the durable retry can take over', async () => {
    fake.setDown(true);
    let thrown: unknown;
    await gateway()
      .send(message())
      .catch((err: unknown) => (thrown = err));
    expect(thrown).to.be.instanceOf(OutboundError);
    expect(thrown).to.include({ code: 'outbound-status', status: 503 });
    expect(fake.received()).to.have.length(4);
    fake.setDown(false);
    await gateway().send(message());
    expect(fake.delivered()).to.have.length(1);
  });

  it('does not retry an answer a retry cannot change (400)', async () => {
    fake.setDown(true, 400);
    let thrown: unknown;
    await gateway()
      .send(message())
      .catch((err: unknown) => (thrown = err));
    expect(thrown).to.include({ code: 'outbound-status', status: 400 });
    expect(fake.received()).to.have.length(1);
  });

  it('throws after retries when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}/notify`;
    let thrown: unknown;
    await gateway(url)
      .send(message())
      .catch((err: unknown) => (thrown = err));
    expect(thrown).to.include({ code: 'outbound-connection', transient: true });
    expect(await metricValue(registry, 'appliance_notifications_total', { outcome: 'failed' })).to.equal(4);
  });

  it('is a no-op without NOTIFY_URL', async () => {
    const g = gateway(null);
    expect(g.enabled).to.equal(false);
    await g.send(message());
    expect(fake.received()).to.have.length(0);
  });
});
