import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';
import { AppConfig } from '../config/app-config';
import { connectToBroker } from '../queue/broker-connection';
import { laneQueue, retryQueueNames } from '../queue/sms-topology';

/** Scrapes and dashboards within this window share one look at the broker. */
export const QUEUE_STATS_TTL_MS = 5000;
const CONNECT_TIMEOUT_MS = 2000;

/** `main`: the send queue (the normal lane); `lane`: the high and low lanes' queues. */
export type QueueRole = 'main' | 'lane' | 'retry' | 'dead';

export interface QueueStats {
  queue: string;
  role: QueueRole;
  /** Ready messages (not counting those delivered to a consumer and not yet acked). */
  messages: number;
  consumers: number;
}

export interface QueueSnapshot {
  at: Date;
  /** False when RabbitMQ could not be asked; `queues` is then empty. */
  up: boolean;
  queues: QueueStats[];
}

/**
 * Asks RabbitMQ (passive declare, `checkQueue`) how deep the SMS queues are and how many consumers
 * they have. One lazily opened connection; answers are cached for a few seconds so several
 * scrapers and dashboards cost one round of checks, and an outage costs one failed connect.
 */
@Injectable()
export class QueueInspector implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueInspector.name);
  private connection?: Promise<ChannelModel>;
  private channel?: Promise<Channel>;
  private cached?: { expires: number; snapshot: Promise<QueueSnapshot> };

  constructor(private readonly config: AppConfig) {}

  snapshot(now = Date.now()): Promise<QueueSnapshot> {
    if (!this.cached || this.cached.expires <= now) {
      this.cached = { expires: now + QUEUE_STATS_TTL_MS, snapshot: this.inspect() };
    }
    return this.cached.snapshot;
  }

  /** The SMS queue, the other lanes' queues, their delay queues and the dead-letter queue, as the app declares them. */
  queues(): Array<{ queue: string; role: QueueRole }> {
    const { rabbit, retry } = this.config;
    const retries = (['normal', 'high', 'low'] as const).flatMap((priority) => retryQueueNames(rabbit, retry.maxAttempts, priority));
    return [
      { queue: rabbit.queue, role: 'main' },
      { queue: laneQueue(rabbit, 'high'), role: 'lane' },
      { queue: laneQueue(rabbit, 'low'), role: 'lane' },
      ...retries.map((queue) => ({ queue, role: 'retry' as const })),
      { queue: rabbit.deadLetterQueue, role: 'dead' },
    ];
  }

  async onApplicationShutdown(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.channel = undefined;
    await connection?.then((open) => open.close()).catch(() => undefined);
  }

  private async inspect(): Promise<QueueSnapshot> {
    const queues: QueueStats[] = [];
    try {
      for (const { queue, role } of this.queues()) {
        const stats = await this.check(queue);
        if (stats) queues.push({ queue, role, messages: stats.messageCount, consumers: stats.consumerCount });
      }
      return { at: new Date(), up: true, queues };
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read queue depths from RabbitMQ');
      await this.onApplicationShutdown();
      return { at: new Date(), up: false, queues: [] };
    }
  }

  /** null: the queue does not exist (yet). A missing queue closes the channel; the next check opens another. */
  private async check(queue: string): Promise<{ messageCount: number; consumerCount: number } | null> {
    const opening = this.openChannel();
    try {
      return await (await opening).checkQueue(queue);
    } catch (error) {
      if (this.channel === opening) this.channel = undefined;
      if ((error as { code?: number }).code === 404) return null;
      throw error;
    }
  }

  private openChannel(): Promise<Channel> {
    if (this.channel) return this.channel;
    const opening: Promise<Channel> = this.openConnection().then(async (connection) => {
      const channel = await connection.createChannel();
      // Expected errors (404 on a missing queue) arrive here too; an unheard 'error' would crash the process.
      channel.on('error', () => undefined);
      channel.on('close', () => this.channel === opening && (this.channel = undefined));
      return channel;
    });
    this.channel = opening;
    opening.catch(() => this.channel === opening && (this.channel = undefined));
    return opening;
  }

  private openConnection(): Promise<ChannelModel> {
    if (this.connection) return this.connection;
    const opening = connectToBroker(this.config.rabbit.urls, { timeout: CONNECT_TIMEOUT_MS }).then((connection) => {
      connection.on('error', () => undefined);
      connection.on('close', () => {
        if (this.connection !== opening) return;
        this.connection = undefined;
        this.channel = undefined;
      });
      return connection;
    });
    this.connection = opening;
    opening.catch(() => this.connection === opening && (this.connection = undefined));
    return opening;
  }
}
