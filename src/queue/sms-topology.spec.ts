import type { RabbitSettings } from '../config/app-config';
import { smsClientOptions, smsConsumerOptions } from './rmq-options';
import { deadLetterQueueOptions, laneQueue, QUORUM_DELIVERY_LIMIT, retryQueueName, retryQueueOptions, smsQueueOptions } from './sms-topology';
import { laneConsumerTag, laneOfConsumerTag } from './rmq-options';

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

  it('lanes: normal is the send queue itself; high and low have queues and delay queues of their own, dead-lettering back into them', () => {
    const settings = rabbit('classic');
    expect([laneQueue(settings, 'high'), laneQueue(settings, 'normal'), laneQueue(settings, 'low')]).toEqual(['notifyx.sms.high', 'notifyx.sms', 'notifyx.sms.low']);
    expect(retryQueueName(settings, 2)).toBe('notifyx.sms.retry.2');
    expect(retryQueueName(settings, 2, 'high')).toBe('notifyx.sms.high.retry.2');
    expect(retryQueueOptions(settings, 'low').arguments).toMatchObject({ 'x-dead-letter-routing-key': 'notifyx.sms.low' });
  });

  it('a delivery says its lane through the tag of the consumer it came to', () => {
    expect((['high', 'normal', 'low'] as const).map((lane) => laneOfConsumerTag(laneConsumerTag(lane)))).toEqual(['high', 'normal', 'low']);
    expect(laneOfConsumerTag(undefined)).toBe('normal');
  });
});
