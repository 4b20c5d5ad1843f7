import { Injectable, OnModuleInit } from '@nestjs/common';
import type { RmqContext } from '@nestjs/microservices';
import { connect, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import { declareSmsTopology } from '../queue/sms-topology';

export const REASON_HEADER = 'x-notifyx-reason';

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
    const connection = await connect(this.config.rabbit.url);
    try {
      await declareSmsTopology(await connection.createChannel(), this.config.rabbit, this.config.retry.maxAttempts);
    } finally {
      await connection.close();
    }
  }

  async park(context: RmqContext, reason: string, messageId?: string): Promise<void> {
    // amqp-connection-manager opens confirm channels, so the publish below is confirmed.
    const channel = context.getChannelRef() as ConfirmChannel;
    const original = context.getMessage() as ConsumeMessage;
    const { queue, deadLetterQueue } = this.config.rabbit;
    const headers = {
      ...original.properties.headers,
      [REASON_HEADER]: reason,
      'x-notifyx-original-queue': queue,
      'x-notifyx-dead-lettered-at': new Date().toISOString(),
    };
    await channel.assertQueue(deadLetterQueue, { durable: true });
    await new Promise<void>((resolve, reject) =>
      channel.sendToQueue(deadLetterQueue, original.content, { persistent: true, headers }, (error?: unknown) =>
        error ? reject(error) : resolve(),
      ),
    );
    channel.ack(original);
    await this.store.add({
      at: new Date(), queue: deadLetterQueue, reason, content: original.content.toString('utf8'),
      headers: original.properties.headers, messageId,
    });
    await this.audit.record({
      actor: 'worker', action: AuditAction.CommandDeadLettered, messageId,
      details: { reason, queue: deadLetterQueue },
    });
  }
}
