import { RmqOptions, Transport } from '@nestjs/microservices';
import { hostname } from 'node:os';
import type { RabbitSettings } from '../config/app-config';
import { SmsCommandDeserializer } from './sms-command.deserializer';

/**
 * Queue arguments must be identical wherever the queue is asserted (API client and worker), or
 * RabbitMQ refuses the second declaration. Rejected messages go to `<queue>.dead`.
 */
export function smsQueueArguments(rabbit: RabbitSettings): Record<string, string> {
  return { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': rabbit.deadLetterQueue };
}

/** What both sides declare: the broker, and the durable queue with its dead-letter route. */
function smsQueue(rabbit: RabbitSettings) {
  return { urls: [rabbit.url], queue: rabbit.queue, queueOptions: { durable: true, arguments: smsQueueArguments(rabbit) } };
}

/** Publisher side: persistent messages; noAck stays unset (it breaks clients). */
export function smsClientOptions(rabbit: RabbitSettings): RmqOptions {
  return { transport: Transport.RMQ, options: { ...smsQueue(rabbit), persistent: true } };
}

/** Names this process's consumer, so a graceful stop can cancel exactly it. */
export const WORKER_CONSUMER_TAG = `notifyx-worker-${hostname()}-${process.pid}`;

/** Consumer side: manual acks, bounded prefetch, and unreadable commands routed to a handler. */
export function smsServerOptions(rabbit: RabbitSettings): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      ...smsQueue(rabbit),
      noAck: false,
      prefetchCount: rabbit.prefetch,
      consumerTag: WORKER_CONSUMER_TAG,
      deserializer: new SmsCommandDeserializer(),
    },
  };
}
