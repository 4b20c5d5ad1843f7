import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';

const PUBLIC_ROUTE = 'notifyx:public';
/** Routes that authenticate otherwise (Twilio signatures) or not at all (health). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export interface AuthenticatedRequest extends Request {
  actor?: string;
}

function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Keys are compared by their SHA-256, so the lookup time does not depend on how much of a guess
 * matches; the actor recorded in audits is a short fingerprint, never the key.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly actors: Map<string, string>;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.actors = new Map(config.apiKeys.map((key) => [fingerprint(key), `apikey:${fingerprint(key).slice(0, 8)}`]));
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = request.headers['x-api-key'];
    const actor = typeof presented === 'string' ? this.actors.get(fingerprint(presented)) : undefined;
    if (!actor) {
      const message = presented ? 'The API key is not valid' : 'Send your API key in the x-api-key header';
      throw new DomainError('unauthorized', message, 401);
    }
    request.actor = actor;
    return true;
  }
}
