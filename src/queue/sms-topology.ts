import type { Channel } from 'amqplib';
import type { RabbitSettings } from '../config/app-config';

/** Delay queue for retry `attempt`; expired messages dead-letter back into the SMS queue. */
export function retryQueueName(rabbit: RabbitSettings, attempt: number): string {
  return `${rabbit.queue}.retry.${attempt}`;
}

/**
 * One delay queue per attempt, so the messages in one queue wait about as long as each other:
 * RabbitMQ only expires messages at the head of a queue, and mixing a 2 s wait behind a 5 min
 * one would hold the short one back. Jitter stays within one level, which bounds that effect.
 */
export async function declareSmsTopology(channel: Channel, rabbit: RabbitSettings, maxAttempts: number): Promise<void> {
  await channel.assertQueue(rabbit.deadLetterQueue, { durable: true });
  // Level 0 holds re-checks of messages another worker may still be sending; 1.. hold retries.
  for (let attempt = 0; attempt < Math.max(maxAttempts, 2); attempt += 1) {
    await channel.assertQueue(retryQueueName(rabbit, attempt), {
      durable: true,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': rabbit.queue },
    });
  }
}

/** Exponential backoff with jitter: base·2^(attempt-1), capped, then a random 50–100% of it. */
export function retryDelayMs(attempt: number, retry: { baseMs: number; maxMs: number }, random = Math.random): number {
  const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}
