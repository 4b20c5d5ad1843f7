import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { RequestContext } from '../common/request-context';
import type { AuthenticatedRequest } from './api-key.guard';

export type { RequestContext } from '../common/request-context';

export const CurrentRequest = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { actor: request.actor ?? 'anonymous', requestId: request.id === undefined ? undefined : String(request.id) };
});
