import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { DomainError } from '../common/domain-error';
import { ROOT_PROJECT } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { bearerMatches } from './metrics-token';

/**
 * /metrics opens to `Authorization: Bearer $METRICS_TOKEN` (what Prometheus sends from its
 * `authorization.credentials_file`) or to an admin API key of the root project (curl, people). The
 * route is @Public so the global key guard lets the bearer form through; this guard decides.
 */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    if (bearerMatches(request.headers.authorization, this.config.metrics.token)) return true;
    const identity = await this.authenticator.identify(request);
    if ('refusal' in identity) {
      throw new DomainError('unauthorized', 'Send Authorization: Bearer <METRICS_TOKEN>, or an admin API key in x-api-key', 401);
    }
    if (!identity.principal.scopes.includes('admin')) {
      throw new DomainError('insufficient_scope', 'This API key lacks the scope admin', 403, { requiredScopes: ['admin'] });
    }
    // The metrics count every project's messages together: a project's admin sees its own through the reports.
    if (identity.principal.projectId !== ROOT_PROJECT) {
      throw new DomainError('root_project_only', 'Only admin keys of the root project may read the metrics', 403);
    }
    return true;
  }
}
