import { connect as amqpConnect } from 'amqplib';
import { deadLetterQueueOptions, smsQueueOptions } from '../../src/queue/sms-topology';
import type { SandboxMessage } from '../../src/twilio-sandbox/sandbox-server';
import { testServiceUrls } from './services';
import { rabbitSettingsOf, RunningSystem } from './system';
import { waitFor } from './wait-for';

/** One status change as the audit log holds it: its number, what it made of the message, and who. */
export interface LoggedEntry {
  seq: number;
  action: string;
  actor: string;
  status: string;
  attempts?: number;
}

/** A message's status changes in order of their fence number (what the send path decided, once each). */
export async function changesOf(system: RunningSystem, messageId: string): Promise<LoggedEntry[]> {
  const entries = await system.mongo.db(system.dbName).collection('audit_log')
    .find({ messageId, seq: { $exists: true } }).sort({ seq: 1 }).toArray();
  return entries.map((entry) => ({
    seq: entry.seq as number, action: entry.action as string, actor: entry.actor as string,
    status: entry.change?.status as string, attempts: entry.change?.set?.attempts as number | undefined,
  }));
}

/** The attempt numbers the `sending` changes started: one each, 1…n, when every attempt was decided once. */
export function attemptsStarted(changes: LoggedEntry[]): number[] {
  return changes.filter((change) => change.status === 'sending').map((change) => change.attempts ?? 0);
}

/**
 * Declares the send queue and its dead-letter queue as the worker declares them, for specs that run
 * no worker yet: commands the API publishes then stay in the queue.
 */
export async function declareSendQueues(system: RunningSystem): Promise<void> {
  const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(system.queue, smsQueueOptions(rabbitSettingsOf(system)));
    await channel.assertQueue(`${system.queue}.dead`, deadLetterQueueOptions(rabbitSettingsOf(system)));
  } finally {
    await connection.close();
  }
}

/**
 * Publishes `sms.send` for stored messages once more, as the outbox relay or a redelivery does;
 * the queue is declared with the app's own options (declaring it otherwise fails with 406).
 */
export async function publishSendsAgain(system: RunningSystem, messageIds: string[]): Promise<void> {
  const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(system.queue, smsQueueOptions(rabbitSettingsOf(system)));
    for (const messageId of messageIds) {
      channel.sendToQueue(system.queue, Buffer.from(JSON.stringify({ pattern: 'sms.send', data: { messageId } })), { persistent: true });
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** Resolves once `count` consumers read the send queue: workers spawned before are ready for commands. */
export async function consumersReady(system: RunningSystem, count: number, timeoutMs = 30000): Promise<void> {
  const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
  try {
    await waitFor(`${count} consumers on ${system.queue}`, async () => {
      const channel = await connection.createChannel();
      // A queue the workers have not declared yet closes the channel; that is only "not yet".
      channel.on('error', () => undefined);
      try {
        return (await channel.checkQueue(system.queue)).consumerCount === count;
      } finally {
        await channel.close().catch(() => undefined);
      }
    }, timeoutMs, 200);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** How many times Twilio received each text (one entry per body). */
export function createsPerBody(copies: SandboxMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const copy of copies) counts.set(copy.body, (counts.get(copy.body) ?? 0) + 1);
  return counts;
}
