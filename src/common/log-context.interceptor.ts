import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { RmqContext } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import { PinoLogger } from 'nestjs-pino';
import { Observable } from 'rxjs';
import { REQUEST_ID_PATTERN } from './logging';

/** The header the publisher sets on every command; producers may set it too. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The request id of a consumed command: its header, else the `requestId` in its data. */
export function requestIdOf(message: ConsumeMessage | undefined, data: unknown): string | undefined {
  const header: unknown = message?.properties.headers?.[REQUEST_ID_HEADER];
  const fromData = (data as { requestId?: unknown } | null)?.requestId;
  const id = typeof header === 'string' ? header : fromData;
  return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : undefined;
}

/**
 * Worker side of the request id: every line logged while a command is handled carries the id of
 * the API request (or producer) it came from, as `reqId` like the API's own lines, so one search
 * finds a message's whole path. Uses nestjs-pino's own logging context (`runInContext`), as its HTTP middleware does.
 */
@Injectable()
export class LogContextInterceptor implements NestInterceptor {
  constructor(private readonly pino: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpc = context.switchToRpc();
    const message = (rpc.getContext<RmqContext>().getMessage?.() as ConsumeMessage | undefined);
    const reqId = requestIdOf(message, rpc.getData());
    if (!reqId) return next.handle();
    return new Observable((subscriber) => this.pino.runInContext(() => next.handle().subscribe(subscriber), { bindings: { reqId } }));
  }
}
