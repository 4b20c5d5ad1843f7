import type { Channel, Options } from 'amqplib';
import type { RabbitSettings } from '../config/app-config';
import type { WebhookSettings } from '../config/events-env';
import { deadLetterTo, quorum } from '../queue/sms-topology';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types';

/**
 * The webhook queue is bound to the events exchange by the outcome types only, so the busy
 * `message.sending` events never enter it. A failed delivery waits in `<queue>.retry.<attempt>`
 * (one queue per attempt, so the waits in one queue are alike: RabbitMQ expires only at a queue's
 * head) and dead-letters back into the webhook queue when its expiration runs out: the backoff is
 * RabbitMQ's, it survives restarts, and no process holds a timer for it.
 */
export function retryQueueName(settings: WebhookSettings, attempt: number): string {
  return `${settings.queue}.retry.${attempt}`;
}

/** Messages on the webhook queue that are not events (anyone may publish to the exchange), with the reason. */
export function deadQueueName(settings: WebhookSettings): string {
  return `${settings.queue}.dead`;
}

function retryQueueOptions(settings: WebhookSettings, rabbit: RabbitSettings): Options.AssertQueue {
  return { durable: true, arguments: { ...quorum(rabbit), ...deadLetterTo(rabbit, settings.queue) } };
}

/**
 * Of the same type as the send queues (RABBITMQ_QUEUE_TYPE): on a cluster, quorum queues keep the
 * events and their retries through the loss of a node, as they keep the commands.
 */
export async function declareWebhookTopology(channel: Channel, exchange: string, settings: WebhookSettings, rabbit: RabbitSettings): Promise<void> {
  const queue = { durable: true, arguments: quorum(rabbit) };
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(settings.queue, queue);
  await channel.assertQueue(deadQueueName(settings), queue);
  for (const type of WEBHOOK_EVENT_TYPES) await channel.bindQueue(settings.queue, exchange, type);
  for (let attempt = 1; attempt < settings.maxAttempts; attempt += 1) {
    await channel.assertQueue(retryQueueName(settings, attempt), retryQueueOptions(settings, rabbit));
  }
}

/** Every queue this declares, for tests and operators. */
export function webhookQueueNames(settings: WebhookSettings): string[] {
  return [settings.queue, deadQueueName(settings), ...Array.from({ length: settings.maxAttempts - 1 }, (_, index) => retryQueueName(settings, index + 1))];
}
