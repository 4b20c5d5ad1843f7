import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { toE164 } from '../sms/phone';
import { listedForm } from './opt-out-phone';
import { OptOutSource } from './opt-out.schema';
import { OptOutFilter, OptOutRecord, OptOutsRepository } from './opt-outs.repository';

/** Who changes the list, why, and through which door; every change is audited with it. */
export interface OptOutChange {
  reason: string;
  source: OptOutSource;
  actor: string;
  requestId?: string;
}

/**
 * The blocklist. Numbers may be given as E.164 (taken as-is) or in any form POST /v1/messages
 * accepts; they are listed and looked up in E.164.
 */
@Injectable()
export class OptOutsService {
  constructor(
    private readonly repository: OptOutsRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  isBlocked(phone: string): Promise<boolean> {
    return this.repository.has(this.listed(phone));
  }

  /** The subset of `phones` (E.164) that is blocked, in one query: for bulk sends. */
  blockedAmong(phones: string[]): Promise<Set<string>> {
    return this.repository.listedAmong(phones);
  }

  /** Idempotent: blocking a blocked number keeps its first entry and audits nothing. */
  async block(phone: string, change: OptOutChange): Promise<void> {
    await this.insert(this.listed(phone), change);
  }

  /** True when the number was blocked (and now is not). */
  async unblock(phone: string, change: OptOutChange): Promise<boolean> {
    const listed = this.listed(phone);
    const removed = await this.repository.remove(listed);
    if (removed) await this.record(AuditAction.OptOutRemoved, listed, change);
    return removed;
  }

  /** POST /v1/opt-outs: unlike block(), the number must be one libphonenumber-js calls valid. */
  async add(input: string, change: OptOutChange): Promise<{ entry: OptOutRecord; created: boolean }> {
    const phone = toE164(input, this.config.defaultCountry);
    const inserted = await this.insert(phone, change);
    if (inserted) return { entry: inserted, created: true };
    const existing = await this.repository.find(phone);
    if (existing) return { entry: existing, created: false };
    throw new DomainError('conflict', `${phone} was unblocked while being blocked; try again`, 409);
  }

  /** DELETE /v1/opt-outs/:phone: 404 when the number is not blocked. */
  async remove(input: string, change: OptOutChange): Promise<void> {
    if (!(await this.unblock(input, change))) {
      throw new DomainError('not_found', `${this.listed(input)} is not on the blocklist`, 404);
    }
  }

  async list(filter: OptOutFilter & { phone?: string }): Promise<OptOutRecord[]> {
    if (!filter.phone) return this.repository.list(filter);
    const entry = await this.repository.find(this.listed(filter.phone));
    return entry ? [entry] : [];
  }

  private listed(phone: string): string {
    return listedForm(phone, this.config.defaultCountry);
  }

  private async insert(phone: string, change: OptOutChange): Promise<OptOutRecord | null> {
    const { actor, ...fields } = change;
    const inserted = await this.repository.insert({ phone, createdBy: actor, ...fields });
    if (inserted) await this.record(AuditAction.OptOutAdded, phone, change);
    return inserted;
  }

  /** Audited, and an `opt_out.changed` event for webhooks and the events exchange, recorded with the entry. */
  private record(action: AuditAction, phone: string, change: OptOutChange): Promise<void> {
    const { actor, requestId, reason, source } = change;
    const optedOut = action === AuditAction.OptOutAdded;
    const event = { id: `evt_opt_${randomBytes(12).toString('hex')}`, type: 'opt_out.changed', data: { phone, optedOut, reason: reason ?? null, source: source ?? null } };
    // The full number, unlike message audits: once an entry is deleted, this is the only proof of it.
    return this.audit.record({ actor, action, requestId, details: { phone, reason, source } }, event);
  }
}
