import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './api-key.guard';

/** Who is acting and under which request id: what every audit entry needs. */
export interface RequestContext {
  actor: string;
  requestId?: string;
}

export const CurrentRequest = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { actor: request.actor ?? 'anonymous', requestId: request.id === undefined ? undefined : String(request.id) };
});
