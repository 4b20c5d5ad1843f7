import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { inspect } from 'node:util';
import { lastValueFrom, timeout } from 'rxjs';
import { SendSmsCommand, SmsPattern } from './sms-commands';

export const SMS_QUEUE_CLIENT = 'SMS_QUEUE_CLIENT';
const PUBLISH_CONFIRM_TIMEOUT_MS = 2000;

export class BrokerUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`RabbitMQ did not confirm the publish: ${cause instanceof Error ? cause.message : inspect(cause)}`);
    this.name = 'BrokerUnavailableError';
  }
}

/** Publishes send commands; resolves only once the broker has confirmed them. */
@Injectable()
export class SmsQueuePublisher implements OnApplicationShutdown {
  constructor(@Inject(SMS_QUEUE_CLIENT) private readonly client: ClientProxy) {}

  async publishSend(command: SendSmsCommand): Promise<void> {
    try {
      // While the broker is away amqp-connection-manager buffers publishes instead of failing them:
      // bound the wait, so the API answers and the outbox relay takes over.
      await lastValueFrom(this.client.emit(SmsPattern.Send, { ...command }).pipe(timeout(PUBLISH_CONFIRM_TIMEOUT_MS)), {
        defaultValue: undefined,
      });
    } catch (error) {
      // ClientRMQ rejects with a bare string while the broker is down: normalise it.
      throw new BrokerUnavailableError(error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
