import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { ownerOf, projectField, RequestContext, ROOT_PROJECT, visibleProject } from '../common/request-context';
import { MessagesRepository } from '../messages/messages.repository';
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
  /** The caller's project (a REST change); unset for inbound keywords and Twilio's refusals. */
  projectId?: string;
}

/** Entries a project's listing examines per request at most (a page may then hold fewer than asked). */
const SCAN_PER_PAGE = 5;

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
    private readonly messages: MessagesRepository,
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

  /**
   * DELETE /v1/opt-outs/:phone: 404 when the number is not blocked. A project's key removes only
   * what its project listed by hand: a recipient's STOP binds every project, and no project may undo it.
   */
  async remove(input: string, change: OptOutChange): Promise<void> {
    const projectId = change.projectId ?? ROOT_PROJECT;
    const entry = projectId === ROOT_PROJECT ? undefined : await this.repository.find(this.listed(input));
    if (entry && entry.projectId !== projectId) {
      throw new DomainError('opt_out_not_yours', `${entry.phone} was not listed by this project; only a root key (or the recipient's START) removes it`, 403);
    }
    if (!(await this.unblock(input, change))) {
      throw new DomainError('not_found', `${this.listed(input)} is not on the blocklist`, 404);
    }
  }

  /**
   * One number (any key may ask: a send to it would say it anyway), or a page of the list. A
   * project's list holds its own entries: numbers its messages went to, and those its keys listed.
   * It examines up to SCAN_PER_PAGE pages of the whole list per request, so a page may hold fewer
   * entries than asked, even none, with a nextCursor to go on from.
   */
  async list(filter: OptOutFilter & { phone?: string }, context: RequestContext): Promise<{ items: OptOutRecord[]; nextCursor: string | null }> {
    if (filter.phone) {
      const entry = await this.repository.find(this.listed(filter.phone));
      return { items: entry ? [entry] : [], nextCursor: null };
    }
    const projectId = visibleProject(context);
    const items: OptOutRecord[] = [];
    let before = filter.before;
    for (let scanned = 0; scanned < SCAN_PER_PAGE && items.length < filter.limit; scanned += 1) {
      const wanted = filter.limit - items.length;
      const page = await this.repository.list({ before, limit: wanted });
      items.push(...(projectId ? await this.ownAmong(page, projectId) : page));
      if (page.length < wanted) return { items, nextCursor: null };
      before = page[page.length - 1].cursor;
    }
    return { items, nextCursor: before ?? null };
  }

  private async ownAmong(page: OptOutRecord[], projectId: string): Promise<OptOutRecord[]> {
    const messaged = await this.messages.recipientsAmong(projectId, page.filter((entry) => entry.projectId !== projectId).map((entry) => entry.phone));
    return page.filter((entry) => entry.projectId === projectId || messaged.has(entry.phone));
  }

  private listed(phone: string): string {
    return listedForm(phone, this.config.defaultCountry);
  }

  private async insert(phone: string, change: OptOutChange): Promise<OptOutRecord | null> {
    const { actor, projectId, ...fields } = change;
    const inserted = await this.repository.insert({ phone, createdBy: actor, ...fields, ...projectField(projectId) });
    if (inserted) await this.record(AuditAction.OptOutAdded, phone, change);
    return inserted;
  }

  /** Audited, and an `opt_out.changed` event for webhooks and the events exchange, recorded with the entry. */
  private record(action: AuditAction, phone: string, change: OptOutChange): Promise<void> {
    const { actor, requestId, reason, source, projectId } = change;
    const optedOut = action === AuditAction.OptOutAdded;
    // A hand-made change names its project: its webhooks go to that project's endpoints only (src/webhook-endpoints/event-scope.ts).
    const madeBy = source === 'manual' ? ownerOf({ projectId }) : null;
    const data = { phone, optedOut, reason: reason ?? null, source: source ?? null, projectId: madeBy };
    const event = { id: `evt_opt_${randomBytes(12).toString('hex')}`, type: 'opt_out.changed', data };
    // The full number, unlike message audits: once an entry is deleted, this is the only proof of it.
    return this.audit.record({ actor, action, requestId, projectId, details: { phone, reason, source } }, event);
  }
}
