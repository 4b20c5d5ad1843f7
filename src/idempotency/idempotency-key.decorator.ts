import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * The optional Idempotency-Key header. Read through a custom decorator because `@Headers()` makes
 * @nestjs/swagger document a second, required header next to the @ApiHeader one, and Swagger UI
 * then refuses to send without it.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
  const value = context.switchToHttp().getRequest<Request>().header('idempotency-key');
  return value === undefined ? undefined : String(value);
});
