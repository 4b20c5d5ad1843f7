import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { validateRequest } from 'twilio';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { WebhookRefusals } from './webhook-refusals';

/**
 * Twilio signs the exact URL it called plus the POST fields. Behind a proxy the URL Twilio sees
 * is PUBLIC_BASE_URL, not what this process sees, so the check rebuilds it from there. During a
 * token rotation Twilio may sign with either token, so the secondary one is accepted too.
 */
@Injectable()
export class TwilioSignatureGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly refusals: WebhookRefusals,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const signature = request.header('x-twilio-signature');
    const url = `${this.config.publicBaseUrl}${request.originalUrl}`;
    const params = (request.body ?? {}) as Record<string, string>;
    const { authToken, authTokenSecondary } = this.config.twilio;
    const tokens = authTokenSecondary ? [authToken, authTokenSecondary] : [authToken];
    if (signature && tokens.some((token) => validateRequest(token, signature, url, params))) {
      return true;
    }
    this.refusals.record(request, 'invalid_signature');
    throw new DomainError('invalid_signature', 'X-Twilio-Signature does not match this request', 403);
  }
}
