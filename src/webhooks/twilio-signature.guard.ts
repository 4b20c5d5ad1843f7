import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { validateRequest } from 'twilio';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';

/**
 * Twilio signs the exact URL it called plus the POST fields. Behind a proxy the URL Twilio sees
 * is PUBLIC_BASE_URL, not what this process sees, so the check rebuilds it from there.
 */
@Injectable()
export class TwilioSignatureGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { id?: string }>();
    const signature = request.header('x-twilio-signature');
    const url = `${this.config.publicBaseUrl}${request.originalUrl}`;
    const params = (request.body ?? {}) as Record<string, string>;
    if (signature && validateRequest(this.config.twilio.authToken, signature, url, params)) {
      return true;
    }
    await this.audit.record({
      actor: 'twilio', action: AuditAction.WebhookSignatureRejected, requestId: request.id ? String(request.id) : undefined,
      details: { path: request.path, ip: request.ip, signaturePresent: Boolean(signature) },
    });
    throw new DomainError('invalid_signature', 'X-Twilio-Signature does not match this request', 403);
  }
}
