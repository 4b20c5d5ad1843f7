import { CustomStrategy, RmqOptions, Transport } from '@nestjs/microservices';
import { hostname } from 'node:os';
import type { RabbitSettings } from '../config/app-config';
import { PRIORITIES, Priority } from '../lanes/priority';
import { SmsCommandDeserializer } from './sms-command.deserializer';
import { SmsConsumerServer } from './sms-consumer.server';
import { declareSmsTopology, laneQueue, QUORUM_DELIVERY_LIMIT, smsQueueOptions } from './sms-topology';

/**
 * What both sides declare: the broker's nodes (amqp-connection-manager connects to the first that
 * answers and, when that connection drops, moves on to the next), and the durable send queue with
 * the arguments of sms-topology.ts, identical on both sides or RabbitMQ refuses the second.
 */
function smsQueue(rabbit: RabbitSettings) {
  return { urls: rabbit.urls, queue: rabbit.queue, queueOptions: smsQueueOptions(rabbit) };
}

/** Publisher side: persistent messages; noAck stays unset (it breaks clients). */
export function smsClientOptions(rabbit: RabbitSettings): RmqOptions {
  return { transport: Transport.RMQ, options: { ...smsQueue(rabbit), persistent: true } };
}

/** Names this process's consumer, so a graceful stop can cancel exactly it. */
export const WORKER_CONSUMER_TAG = `notifyx-worker-${hostname()}-${process.pid}`;

/** The consumer tag of this process's consumer of a lane: the normal lane's is the worker's own. */
export function laneConsumerTag(priority: Priority): string {
  return priority === 'normal' ? WORKER_CONSUMER_TAG : `${WORKER_CONSUMER_TAG}.${priority}`;
}

/** Which lane a delivery came through, from the tag of the consumer it was delivered to. */
export function laneOfConsumerTag(tag: string | undefined): Priority {
  return PRIORITIES.find((priority) => priority !== 'normal' && tag?.endsWith(`.${priority}`)) ?? 'normal';
}

/** A connection attempt that hangs (a half-open link) fails after this long and is retried. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Consumer side: manual acks, bounded prefetch, unreadable or too often redelivered commands routed to a handler. */
export function smsConsumerOptions(rabbit: RabbitSettings) {
  return {
    ...smsQueue(rabbit),
    noAck: false,
    prefetchCount: rabbit.prefetch,
    consumerTag: WORKER_CONSUMER_TAG,
    deserializer: new SmsCommandDeserializer(rabbit.queueType === 'quorum' ? QUORUM_DELIVERY_LIMIT : undefined),
    socketOptions: { connectionOptions: { timeout: CONNECT_TIMEOUT_MS } },
  };
}

/**
 * The consumer's server: it declares the lane, delay and dead queues in its channel setup and
 * consumes every lane, high first (see SmsConsumerServer).
 */
export function smsServerOptions(rabbit: RabbitSettings, maxAttempts: number): CustomStrategy {
  const options = smsConsumerOptions(rabbit);
  const lanes = PRIORITIES.map((priority) => ({ queue: laneQueue(rabbit, priority), consumerTag: laneConsumerTag(priority) }));
  return { strategy: new SmsConsumerServer(options, (channel) => declareSmsTopology(channel, rabbit, maxAttempts), lanes) };
}
