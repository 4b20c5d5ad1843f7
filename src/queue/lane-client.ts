import { ClientRMQ, ReadPacket, RmqOptions } from '@nestjs/microservices';
import type { Channel } from 'amqplib';
import { isPriority, Priority } from '../lanes/priority';

export type LaneClientOptions = Required<RmqOptions>['options'] & { lanes: Record<Priority, string> };

/**
 * Nest's RMQ client, publishing each `sms.send` command to its lane's queue (the command's
 * `priority`; none: the send queue, the normal lane) on its one connection and confirm channel.
 * Every lane's queue is declared in the channel setup, before anything is published: a command
 * sent to a queue that does not exist would be dropped by the broker, and confirmed all the same.
 */
export class LaneRmqClient extends ClientRMQ {
  private readonly lanes: Record<Priority, string>;

  constructor({ lanes, ...options }: LaneClientOptions) {
    super(options);
    this.lanes = lanes;
  }

  override async setupChannel(channel: Channel, resolve: () => void): Promise<void> {
    for (const queue of Object.values(this.lanes)) {
      if (queue !== this.queue) await channel.assertQueue(queue, this.queueOptions);
    }
    return super.setupChannel(channel, resolve);
  }

  /** ClientRMQ.dispatchEvent, with the queue chosen by the command's lane. */
  protected override dispatchEvent(packet: ReadPacket): Promise<unknown> {
    const serialized = this.serializer.serialize(packet) as ReadPacket & { options?: Record<string, unknown> };
    const { options, ...message } = serialized;
    const priority = (message.data as { priority?: unknown } | undefined)?.priority;
    const queue = isPriority(priority) ? this.lanes[priority] : this.queue;
    return new Promise<void>((resolve, reject) => {
      const content = Buffer.from(JSON.stringify(message));
      const sendOptions = {
        persistent: this.getOptionsProp(this.options, 'persistent', false),
        ...options,
        headers: this.mergeHeaders(options?.headers as Record<string, string> | undefined),
      };
      this.channel!.sendToQueue(queue, content, sendOptions, (error?: unknown) => (error ? reject(error) : resolve()));
    });
  }
}
