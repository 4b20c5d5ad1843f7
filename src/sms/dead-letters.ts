import { Injectable, OnModuleInit } from '@nestjs/common';
import type { RmqContext } from '@nestjs/microservices';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import { SmsPattern } from '../queue/sms-commands';
import { connectToBroker } from '../queue/broker-connection';
import { deadLetterQueueOptions, declareSmsTopology } from '../queue/sms-topology';

export const REASON_HEADER = 'x-notifyx-reason';

/** The wire form of an `sms.send` command for a stored message. */
export function storedCommandContent(command: { messageId: string; requestId?: string }): Buffer {
  return Buffer.from(JSON.stringify({ pattern: SmsPattern.Send, data: command }));
}

/**
 * Parks a command it cannot process in `<queue>.dead` with the reason in its headers, then acks
 * the original, so one bad command never blocks the consumer.
 */
@Injectable()
export class DeadLetters implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly store: DeadLettersRepository,
  ) {}

  /** RabbitMQ only dead-letters into queues that exist: declare the dead and delay queues before consuming. */
  async onModuleInit(): Promise<void> {
    const connection = await connectToBroker(this.config.rabbit.urls);
    try {
      await declareSmsTopology(await connection.createChannel(), this.config.rabbit, this.config.retry.maxAttempts);
    } finally {
      await connection.close();
    }
  }

  /** `command`: the stored message's command to park instead of the bytes that arrived. */
  async park(context: RmqContext, reason: string, command?: { messageId: string; requestId?: string }): Promise<void> {
    const messageId = command?.messageId;
    // amqp-connection-manager opens confirm channels, so the publish below is confirmed.
    const channel = context.getChannelRef() as ConfirmChannel;
    const original = context.getMessage() as ConsumeMessage;
    const content = command ? storedCommandContent(command) : original.content;
    const { queue, deadLetterQueue } = this.config.rabbit;
    const headers = {
      ...original.properties.headers,
      [REASON_HEADER]: reason,
      'x-notifyx-original-queue': queue,
      'x-notifyx-dead-lettered-at': new Date().toISOString(),
    };
    await channel.assertQueue(deadLetterQueue, deadLetterQueueOptions(this.config.rabbit));
    await new Promise<void>((resolve, reject) =>
      channel.sendToQueue(deadLetterQueue, content, { persistent: true, headers }, (error?: unknown) =>
        error ? reject(error) : resolve(),
      ),
    );
    channel.ack(original);
    await this.store.add({
      at: new Date(), queue: deadLetterQueue, reason, content: content.toString('utf8'),
      headers: original.properties.headers, messageId,
    });
    await this.audit.record({
      actor: 'worker', action: AuditAction.CommandDeadLettered, messageId,
      details: { reason, queue: deadLetterQueue },
    });
  }
}
