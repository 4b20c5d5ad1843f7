import { Injectable, Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import { PRIORITIES } from '../lanes/priority';
import { laneConsumerTag } from '../queue/rmq-options';

/**
 * Graceful stop for the worker: cancel the consumer so no new command arrives, let the sends in
 * flight finish and ack, then let the process close. A command cut off mid-send is redelivered
 * and settled with Twilio, but a clean stop should not need that.
 */
@Injectable()
export class ConsumerDrain {
  private readonly logger = new Logger(ConsumerDrain.name);
  private inFlight = 0;
  private channel?: Channel;
  private stopping = false;

  async track<T>(channel: Channel, work: () => Promise<T>): Promise<T> {
    this.channel = channel;
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
    }
  }

  async drain(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const priority of PRIORITIES) await this.channel?.cancel(laneConsumerTag(priority)).catch(() => undefined);
    const deadline = Date.now() + graceMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(20);
    this.logger.log({ leftInFlight: this.inFlight }, 'consumer drained');
  }
}
