import { connect, type ChannelModel, type Options } from 'amqplib';

/**
 * A plain amqplib connection (one-off declarations, queue depths) to the first of the broker's
 * nodes that answers, in order; amqplib takes one URL, while RABBITMQ_URL may list a cluster's
 * nodes. Fails with the last node's error when none answers.
 */
export async function connectToBroker(urls: string[], socketOptions?: Options.Connect | object): Promise<ChannelModel> {
  let lastError: unknown = new Error('no RabbitMQ URL configured');
  for (const url of urls) {
    try {
      return await connect(url, socketOptions);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
