import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, RmqRecord, RmqRecordBuilder } from '@nestjs/microservices';
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

/** The request id also rides in a header, where the worker's logs pick it up without reading the body. */
function withRequestIdHeader(command: SendSmsCommand): SendSmsCommand | RmqRecord<SendSmsCommand> {
  if (!command.requestId) return { ...command };
  return new RmqRecordBuilder({ ...command }).setOptions({ headers: { 'x-request-id': command.requestId } }).build();
}

/** Publishes send commands; resolves only once the broker has confirmed them. */
@Injectable()
export class SmsQueuePublisher implements OnApplicationShutdown {
  constructor(@Inject(SMS_QUEUE_CLIENT) private readonly client: ClientProxy) {}

  /**
   * `timeoutMs`: how long to wait for the broker's confirm. Short on a request's path (a 202
   * should not wait on a broker that is away), long for background publishing under load.
   */
  async publishSend(command: SendSmsCommand, timeoutMs = PUBLISH_CONFIRM_TIMEOUT_MS): Promise<void> {
    try {
      // While the broker is away amqp-connection-manager buffers publishes instead of failing them:
      // bound the wait, so the API answers and the outbox relay takes over.
      await lastValueFrom(this.client.emit(SmsPattern.Send, withRequestIdHeader(command)).pipe(timeout(timeoutMs)), {
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
