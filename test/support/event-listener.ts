import { connect as amqpConnect, type ChannelModel } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { testServiceUrls } from './services';

export interface ReceivedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { messageId: string; status: string; sequence: number };
  routingKey: string;
  persistent: boolean;
}

/** A producer's own queue bound to the events exchange, as the README shows: what it hears, in order. */
export class EventListener {
  readonly received: ReceivedEvent[] = [];

  private constructor(private readonly connection: ChannelModel) {}

  static async bind(exchange: string, pattern = 'message.#'): Promise<EventListener> {
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    const listener = new EventListener(connection);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue(`${exchange}.test-${randomBytes(3).toString('hex')}`, { exclusive: true });
    await channel.bindQueue(queue, exchange, pattern);
    await channel.consume(queue, (message) => {
      if (!message) return;
      const body = JSON.parse(message.content.toString()) as Omit<ReceivedEvent, 'routingKey' | 'persistent'>;
      listener.received.push({ ...body, routingKey: message.fields.routingKey, persistent: message.properties.deliveryMode === 2 });
    }, { noAck: true });
    return listener;
  }

  of(messageId: string): ReceivedEvent[] {
    return this.received.filter((event) => event.data.messageId === messageId);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
