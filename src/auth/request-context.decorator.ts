import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { RequestContext } from '../common/request-context';
import type { AuthenticatedRequest } from './api-key.guard';

/** Stands for the project of a caller with no key: owns nothing, so sees nothing. */
const NO_PROJECT = 'none';

export type { RequestContext } from '../common/request-context';

export const CurrentRequest = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  // No principal (a public route): nothing is visible, as for a project that owns nothing.
  const projectId = request.principal?.projectId ?? NO_PROJECT;
  return { actor: request.actor ?? 'anonymous', requestId: request.id === undefined ? undefined : String(request.id), projectId };
});
