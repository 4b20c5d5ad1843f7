import { CustomStrategy, RmqOptions, Transport } from '@nestjs/microservices';
import { hostname } from 'node:os';
import type { RabbitSettings } from '../config/app-config';
import { SmsCommandDeserializer } from './sms-command.deserializer';
import { SmsConsumerServer } from './sms-consumer.server';
import { declareSmsTopology } from './sms-topology';

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

/** A connection attempt that hangs (a half-open link) fails after this long and is retried. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Consumer side: manual acks, bounded prefetch, unreadable commands routed to a handler, and a
 * server that declares the delay and dead queues in its channel setup (see SmsConsumerServer).
 */
export function smsServerOptions(rabbit: RabbitSettings, maxAttempts: number): CustomStrategy {
  const options = {
    ...smsQueue(rabbit),
    noAck: false,
    prefetchCount: rabbit.prefetch,
    consumerTag: WORKER_CONSUMER_TAG,
    deserializer: new SmsCommandDeserializer(),
    socketOptions: { connectionOptions: { timeout: CONNECT_TIMEOUT_MS } },
  };
  return { strategy: new SmsConsumerServer(options, (channel) => declareSmsTopology(channel, rabbit, maxAttempts)) };
}
