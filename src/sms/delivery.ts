import { Logger } from '@nestjs/common';
import type { RmqContext } from '@nestjs/microservices';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Priority } from '../lanes/priority';
import { laneOfConsumerTag } from '../queue/rmq-options';

/**
 * One consumed command, settled exactly once: acked (after handing a copy on to a delay queue or
 * `<queue>.dead` if need be) or handed back. RabbitMQ closes the whole channel (406, unknown
 * delivery tag) when a delivery is settled twice, and redelivers everything in flight on it, so a
 * second settlement is refused here and logged as the bug it is.
 */
export class Delivery {
  private static readonly logger = new Logger(Delivery.name);
  readonly channel: ConfirmChannel;
  readonly message: ConsumeMessage;
  private settledAs?: string;

  constructor(context: RmqContext) {
    // amqp-connection-manager opens confirm channels, so publishes on it can be confirmed.
    this.channel = context.getChannelRef() as ConfirmChannel;
    this.message = context.getMessage() as ConsumeMessage;
  }

  get headers(): Record<string, unknown> {
    return this.message.properties.headers ?? {};
  }

  /** The lane whose queue it came from (each lane has its own consumer). */
  get lane(): Priority {
    return laneOfConsumerTag(this.message.fields.consumerTag);
  }

  get settled(): boolean {
    return this.settledAs !== undefined;
  }

  /** Publishes on this delivery's channel; resolves once the broker has confirmed it. */
  publish(queue: string, content: Buffer, options: Options.Publish): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        // Called with an error when the broker nacks the publish, or when the channel closes first.
        this.channel.sendToQueue(queue, content, { persistent: true, ...options }, (error?: unknown) =>
          error ? reject(new Error(`publish to ${queue} not confirmed: ${error instanceof Error ? error.message : String(error)}`)) : resolve(),
        );
      } catch (error) {
        reject(error as Error);
      }
    });
  }

  ack(): void {
    this.settle('ack', () => this.channel.ack(this.message));
  }

  /** Back to the head of the queue, for a command nothing could be done with (not even a copy published). */
  requeue(): void {
    this.settle('requeue', () => this.channel.nack(this.message, false, true));
  }

  private settle(as: string, act: () => void): void {
    if (this.settledAs) {
      Delivery.logger.error({ deliveryTag: this.message.fields.deliveryTag, settledAs: this.settledAs, refused: as },
        'a delivery may be settled once; refused a second settlement');
      return;
    }
    this.settledAs = as;
    try {
      act();
    } catch (error) {
      // The channel is gone (a broker cut): the broker hands the command to a consumer again.
      Delivery.logger.warn({ err: error, settledAs: as }, 'channel closed before the command was settled; the broker redelivers it');
    }
  }
}
