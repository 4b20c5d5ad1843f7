import type { RmqContext } from '@nestjs/microservices';
import { Delivery } from './delivery';

/** A stand-in for amqplib's channel that records what was done to the delivery. */
function channel(options: { closed?: boolean; refuse?: boolean } = {}) {
  const calls: string[] = [];
  const closed = () => {
    if (options.closed) throw new Error('Channel closed');
  };
  return {
    calls,
    ack: () => (closed(), calls.push('ack')),
    nack: (_m: unknown, _all: boolean, requeue: boolean) => (closed(), calls.push(`nack requeue=${requeue}`)),
    sendToQueue: (queue: string, _c: Buffer, _o: unknown, confirmed: (error?: unknown) => void) => {
      closed();
      calls.push(`publish ${queue}`);
      confirmed(options.refuse ? new Error('nack') : undefined);
    },
  };
}

const deliveryOn = (ch: ReturnType<typeof channel>) =>
  new Delivery({ getChannelRef: () => ch, getMessage: () => ({ fields: { deliveryTag: 7 }, properties: { headers: { a: 1 } } }) } as unknown as RmqContext);

describe('Delivery', () => {
  it('is settled once: a second ack or a nack after the ack never reaches the channel', () => {
    const ch = channel();
    const delivery = deliveryOn(ch);
    delivery.ack();
    delivery.requeue();
    delivery.ack();
    expect(ch.calls).toEqual(['ack']);
    expect(delivery.settled).toBe(true);
  });

  it('counts a settlement on a closed channel as done (the broker redelivers) and does not throw', () => {
    const delivery = deliveryOn(channel({ closed: true }));
    expect(() => delivery.ack()).not.toThrow();
    expect(delivery.settled).toBe(true);
  });

  it('resolves a publish once confirmed, and rejects one the broker nacked or a closed channel could not take', async () => {
    const ch = channel();
    await deliveryOn(ch).publish('q.dead', Buffer.from('x'), {});
    expect(ch.calls).toEqual(['publish q.dead']);
    await expect(deliveryOn(channel({ refuse: true })).publish('q.dead', Buffer.from('x'), {})).rejects.toThrow(/not confirmed: nack/);
    await expect(deliveryOn(channel({ closed: true })).publish('q.dead', Buffer.from('x'), {})).rejects.toThrow(/closed/);
  });

  it('reads the headers, or none', () => {
    expect(deliveryOn(channel()).headers).toEqual({ a: 1 });
  });
});
