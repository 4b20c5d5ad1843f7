import type { Channel, Options } from 'amqplib';
import type { RabbitSettings } from '../config/app-config';
import { PRIORITIES, Priority } from '../lanes/priority';

/**
 * How every SMS queue is declared, in one place: RabbitMQ refuses (PRECONDITION_FAILED) a
 * declaration whose arguments differ from the queue's, so the API's client, the worker's server,
 * the dead-letter parking and the tests all take their options from here.
 *
 * `quorum` (RabbitMQ 3.10+, a cluster) replicates each queue on a majority of nodes. Its
 * dead-lettering is made at-least-once, which RabbitMQ allows only with `x-overflow:
 * reject-publish`: a command moving from a delay queue back to the send queue (or from the send
 * queue to `.dead`) is then removed only once the target has confirmed it, so a node lost
 * mid-move cannot drop it. No queue sets a length limit, so reject-publish never refuses a publish.
 * `classic` keeps the arguments queues had before quorum existed here, so existing ones still match.
 */

/**
 * Quorum queues count deliveries that were not acked (a worker crashed or lost its channel, or
 * nacked with requeue) in `x-delivery-count`. A command returned this many times is parked by the
 * worker with a reason (SmsCommandDeserializer); should that last delivery fail too, RabbitMQ
 * dead-letters it to `<queue>.dead` itself (`x-death` reason `delivery_limit`). Part of the
 * queue's declaration: changing it needs a new queue or a `delivery-limit` policy.
 */
export const QUORUM_DELIVERY_LIMIT = 10;

export function quorum(rabbit: RabbitSettings): Record<string, unknown> {
  return rabbit.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
}

/** Dead-letters into `target` through the default exchange; at-least-once on quorum queues. */
export function deadLetterTo(rabbit: RabbitSettings, target: string): Record<string, unknown> {
  const route = { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': target };
  if (rabbit.queueType !== 'quorum') return route;
  return { ...route, 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };
}

/** The send queue: unprocessable commands (and, on quorum, ones past the delivery limit) go to `<queue>.dead`. */
export function smsQueueOptions(rabbit: RabbitSettings): Options.AssertQueue {
  const limit = rabbit.queueType === 'quorum' ? { 'x-delivery-limit': QUORUM_DELIVERY_LIMIT } : {};
  return { durable: true, arguments: { ...quorum(rabbit), ...deadLetterTo(rabbit, rabbit.deadLetterQueue), ...limit } };
}

export function deadLetterQueueOptions(rabbit: RabbitSettings): Options.AssertQueue {
  return { durable: true, arguments: quorum(rabbit) };
}

/**
 * The queue of a lane: `normal` is the send queue itself (producers and older NotifyX versions
 * publish there), `high` and `low` are `<queue>.high` and `<queue>.low`, declared alike. Lanes are
 * queues of their own rather than a priority argument: an existing queue's arguments cannot change
 * (PRECONDITION_FAILED), and quorum queues have no priorities before RabbitMQ 3.12.
 */
export function laneQueue(rabbit: RabbitSettings, priority: Priority = 'normal'): string {
  return priority === 'normal' ? rabbit.queue : `${rabbit.queue}.${priority}`;
}

/** A delay queue: its commands carry a per-message TTL and dead-letter back into their lane's queue. */
export function retryQueueOptions(rabbit: RabbitSettings, priority: Priority = 'normal'): Options.AssertQueue {
  return { durable: true, arguments: { ...quorum(rabbit), ...deadLetterTo(rabbit, laneQueue(rabbit, priority)) } };
}

/** Delay queue for retry `attempt` of a lane; expired messages dead-letter back into that lane. */
export function retryQueueName(rabbit: RabbitSettings, attempt: number, priority: Priority = 'normal'): string {
  return `${laneQueue(rabbit, priority)}.retry.${attempt}`;
}

/** Levels 0 .. max(maxAttempts, 2) − 1. */
export function retryQueueNames(rabbit: RabbitSettings, maxAttempts: number, priority: Priority = 'normal'): string[] {
  return Array.from({ length: Math.max(maxAttempts, 2) }, (_, level) => retryQueueName(rabbit, level, priority));
}

/**
 * One delay queue per attempt, so the messages in one queue wait about as long as each other:
 * RabbitMQ only expires messages at the head of a queue (quorum queues too), and mixing a 2 s
 * wait behind a 5 min one would hold the short one back. Jitter stays within one level, which
 * bounds that effect.
 */
export async function declareSmsTopology(channel: Channel, rabbit: RabbitSettings, maxAttempts: number): Promise<void> {
  await channel.assertQueue(rabbit.deadLetterQueue, deadLetterQueueOptions(rabbit));
  for (const priority of PRIORITIES) {
    // The normal lane's queue is the consumer's own, declared with it.
    if (priority !== 'normal') await channel.assertQueue(laneQueue(rabbit, priority), smsQueueOptions(rabbit));
    // Level 0 holds re-checks of messages another worker may still be sending; 1.. hold retries.
    for (const queue of retryQueueNames(rabbit, maxAttempts, priority)) await channel.assertQueue(queue, retryQueueOptions(rabbit, priority));
  }
}

/** Exponential backoff with jitter: base·2^(attempt-1), capped, then a random 50–100% of it. */
export function retryDelayMs(attempt: number, retry: { baseMs: number; maxMs: number }, random = Math.random): number {
  const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}
