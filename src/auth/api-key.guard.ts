import { CanActivate, ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { ROOT_PROJECT } from '../common/request-context';
import { ApiKeyAuthenticator, Refusal } from './api-key.authenticator';
import { isRootProjectOnly, requiredScopes } from './require-scopes.decorator';
import type { Principal, Scope } from './scopes';

const PUBLIC_ROUTE = 'notifyx:public';
/** Routes that authenticate otherwise (Twilio signatures) or not at all (health). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export interface AuthenticatedRequest extends Request {
  actor?: string;
  principal?: Principal;
}

// Unknown and revoked keys get the same answer: a caller learns nothing about which keys existed.
const REFUSAL_MESSAGES: Record<Refusal, string> = {
  missing_key: 'Send your API key in the x-api-key header',
  unknown_key: 'The API key is not valid',
  revoked_key: 'The API key is not valid',
};

interface RefusalDetails {
  status: 401 | 403;
  reason: Refusal | 'insufficient_scope' | 'root_project_only';
  requiredScopes?: readonly Scope[];
}

/** Who is calling (401 if nobody we know) and whether their key holds the route's scopes (403). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const identity = await this.authenticator.identify(request);
    if ('refusal' in identity) {
      await this.recordRefusal(request, { actor: identity.actor }, { status: 401, reason: identity.refusal });
      throw new DomainError('unauthorized', REFUSAL_MESSAGES[identity.refusal], 401);
    }
    const { principal } = identity;
    request.actor = principal.actor;
    request.principal = principal;
    const required = requiredScopes(this.reflector, context);
    const missing = required.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length > 0) {
      await this.recordRefusal(request, principal, { status: 403, reason: 'insufficient_scope', requiredScopes: required });
      throw new DomainError('insufficient_scope', `This API key lacks the scope ${missing.join(', ')}`, 403, { requiredScopes: required });
    }
    if (isRootProjectOnly(this.reflector, context) && principal.projectId !== ROOT_PROJECT) {
      await this.recordRefusal(request, principal, { status: 403, reason: 'root_project_only' });
      throw new DomainError('root_project_only', 'Only keys of the root project (API_KEYS, or keys created for it) may use this route', 403);
    }
    return true;
  }

  /**
   * Never fails the request: a 401 must stay a 401 even while the audit store is down. A known
   * key's refusal is its project's entry too, so that project's admins see it.
   */
  private async recordRefusal(request: AuthenticatedRequest, { actor, projectId }: { actor: string; projectId?: string }, details: RefusalDetails): Promise<void> {
    try {
      await this.audit.record({
        actor,
        projectId,
        action: AuditAction.AccessDenied,
        requestId: request.id === undefined ? undefined : String(request.id),
        details: { ...details, method: request.method, path: request.path.slice(0, 200), ip: request.ip },
      });
    } catch (error) {
      this.logger.warn({ err: error, requestId: request.id }, 'could not audit a refused request');
    }
  }
}
