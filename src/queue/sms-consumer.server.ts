import { Logger } from '@nestjs/common';
import { RmqOptions, ServerRMQ } from '@nestjs/microservices';
import type { Channel, ConsumeMessage } from 'amqplib';

/** Pause before forcing a new connection, so a refusal that repeats does not spin. */
const RECONNECT_DELAY_MS = 2000;

type ServerOptions = Required<RmqOptions>['options'];

/**
 * Nest's RMQ server with a channel lifecycle that survives the broker going away at any moment
 * (seen: a cut while the channel was being set up killed the worker). amqp-connection-manager
 * reconnects and runs the channel setup again on every new connection; what Nest's own setup
 * misses, and this class adds:
 * - the channel wrapper's `error` (a failed setup, e.g. "Channel ended, no reply will be
 *   forthcoming") has a listener, so it is logged instead of crashing the process;
 * - the raw channel's `error` (the server closing it) has one too;
 * - `consume` is awaited, so a cut between the declarations and the consume is a failed setup,
 *   not an unhandled rejection;
 * - `declareTopology` (the dead and delay queues) runs in the same setup, before the consume, so
 *   start-up needs no connection of its own and a reconnect re-declares what it needs.
 * A setup that fails while the connection stays up (a refused declaration) leaves no consumer:
 * the connection is then dropped on purpose, so the next one sets up again.
 *
 * It consumes every lane's queue (high, normal, low) on the one channel. The prefetch applies per
 * consumer (RabbitMQ's basic.qos without `global`), so a lane's commands never queue in this
 * process behind another lane's: a `high` one is delivered at once however many `low` ones the
 * worker holds; which goes first from there is the pacer's lane order (src/lanes/lane-scheduler.ts).
 */
export class SmsConsumerServer extends ServerRMQ {
  private readonly log = new Logger(SmsConsumerServer.name);

  constructor(
    options: ServerOptions,
    private readonly declareTopology: (channel: Channel) => Promise<void>,
    private readonly lanes: { queue: string; consumerTag: string }[],
  ) {
    super(options);
  }

  override async listen(callback: (error?: unknown) => void): Promise<void> {
    await super.listen(callback);
    // Nest creates its channel wrapper on the first 'connect'; this listener runs right after it.
    this.server?.on('connect', () => this.watchChannel());
  }

  override async setupChannel(channel: Channel, callback: () => void): Promise<void> {
    channel.on('error', (error: Error) => this.log.warn({ err: error }, 'consumer channel closed by the broker'));
    await this.declareTopology(channel);
    await channel.assertQueue(this.queue, this.queueOptions);
    await channel.prefetch(this.getOptionsProp(this.options, 'prefetchCount', 0));
    for (const { queue, consumerTag } of this.lanes) {
      await channel.consume(
        queue,
        (message: ConsumeMessage | null) => {
          if (!message) return this.reconnectSoon(`the broker cancelled the consumer of ${queue} (queue deleted?)`);
          this.handleMessage(message, channel).catch((error) => this.handleError(error));
        },
        { noAck: this.noAck, consumerTag },
      );
    }
    this.log.log({ queues: this.lanes.map(({ queue }) => queue) }, 'consuming');
    callback();
  }

  private watchChannel(): void {
    const wrapper = this.channel;
    if (!wrapper || wrapper.listenerCount('error') > 0) return;
    wrapper.on('error', (error: Error) => {
      this.log.warn({ err: error }, 'consumer channel setup failed');
      this.reconnectSoon('the consumer channel setup failed');
    });
  }

  /** A cut brings a new connection by itself; a refusal on a live connection would not. */
  private reconnectSoon(why: string): void {
    const failedOn = this.server?.connection;
    setTimeout(() => {
      // Gone already, or replaced by a connection that set up on its own.
      if (!failedOn || this.server?.connection !== failedOn) return;
      this.log.warn(`${why}: reconnecting to set the consumer up again`);
      try {
        this.server?.reconnect();
      } catch {
        // closed meanwhile: the worker is stopping
      }
    }, RECONNECT_DELAY_MS).unref();
  }
}
