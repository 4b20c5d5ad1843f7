import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from './audit-actions';
import { AuditFilter, AuditRecord, AuditRepository } from './audit.repository';

export interface AuditEvent {
  actor: string;
  action: AuditAction;
  messageId?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly repository: AuditRepository) {}

  async record(event: AuditEvent): Promise<void> {
    await this.repository.append({ ...event, at: new Date() });
    this.logger.log({ audit: event.action, actor: event.actor, messageId: event.messageId, requestId: event.requestId });
  }

  find(filter: AuditFilter): Promise<AuditRecord[]> {
    return this.repository.find(filter);
  }
}
