import type { RabbitSettings } from '../config/app-config';
import { smsClientOptions, smsConsumerOptions } from './rmq-options';
import { deadLetterQueueOptions, QUORUM_DELIVERY_LIMIT, retryQueueOptions, smsQueueOptions } from './sms-topology';

const rabbit = (queueType: RabbitSettings['queueType']): RabbitSettings => ({
  urls: ['amqp://a:5672', 'amqp://b:5672'], queue: 'notifyx.sms', deadLetterQueue: 'notifyx.sms.dead', prefetch: 20, queueType,
});

describe('SMS queue declarations', () => {
  it('classic: the arguments queues declared before quorum existed still carry, so they still match', () => {
    expect(smsQueueOptions(rabbit('classic'))).toEqual({
      durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'notifyx.sms.dead' },
    });
    expect(retryQueueOptions(rabbit('classic'))).toEqual({
      durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'notifyx.sms' },
    });
    expect(deadLetterQueueOptions(rabbit('classic'))).toEqual({ durable: true, arguments: {} });
  });

  it('quorum: every queue is a quorum queue; dead-lettering is at-least-once; the send queue has a delivery limit', () => {
    const atLeastOnce = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };
    expect(smsQueueOptions(rabbit('quorum'))).toEqual({
      durable: true,
      arguments: {
        'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'notifyx.sms.dead',
        ...atLeastOnce, 'x-delivery-limit': QUORUM_DELIVERY_LIMIT,
      },
    });
    expect(retryQueueOptions(rabbit('quorum'))).toEqual({
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'notifyx.sms', ...atLeastOnce },
    });
    expect(deadLetterQueueOptions(rabbit('quorum'))).toEqual({ durable: true, arguments: { 'x-queue-type': 'quorum' } });
  });

  it.each(['classic', 'quorum'] as const)('%s: the API and the worker declare the send queue alike, on every listed node', (type) => {
    const client = smsClientOptions(rabbit(type)).options;
    const server = smsConsumerOptions(rabbit(type));
    expect(client?.queueOptions).toEqual(server?.queueOptions);
    expect(client?.urls).toEqual(['amqp://a:5672', 'amqp://b:5672']);
    expect(server?.urls).toEqual(client?.urls);
  });
});
