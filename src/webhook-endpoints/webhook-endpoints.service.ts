import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { canSee, projectField, RequestContext, visibleProject } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { checkUrl, UnsafeUrlError } from './url-safety';
import { WebhookEndpointRecord } from './webhook-endpoint.schema';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types';

/** How long the endpoint list a process holds may lag a change made through another process. */
const CACHE_MS = 5000;
const DEFAULT_OVERLAP_HOURS = 24;

export class WebhookEndpointNotFoundError extends DomainError {
  constructor(id: string) {
    super('webhook_endpoint_not_found', `webhook endpoint ${id} does not exist`, 404);
  }
}

/** Who changes an endpoint, for its audit entry, and whose endpoints they may see (another project's are "not found"). */
export type EndpointActor = RequestContext;

export interface EndpointInput {
  url?: string;
  eventTypes?: string[];
  enabled?: boolean;
  description?: string;
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The secrets that sign now: the current one, and an old one until its overlap ends. */
export function activeSecrets(endpoint: Pick<WebhookEndpointRecord, 'secrets'>, now = new Date()): string[] {
  return endpoint.secrets.filter((entry) => !entry.expiresAt || entry.expiresAt > now).map((entry) => entry.secret);
}

@Injectable()
export class WebhookEndpointsService {
  private cached?: { at: number; endpoints: Promise<WebhookEndpointRecord[]> };

  constructor(
    private readonly repository: WebhookEndpointsRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Endpoint changes are audited, under the endpoint's project, with the URL's host only: a URL may carry a token in its path or query. */
  private async record(
    action: AuditAction, by: Pick<EndpointActor, 'actor' | 'requestId'>, endpoint: Pick<WebhookEndpointRecord, 'id' | 'url' | 'projectId'>, details: Record<string, unknown> = {},
  ): Promise<void> {
    const host = URL.canParse(endpoint.url) ? new URL(endpoint.url).host : undefined;
    const { actor, requestId } = by;
    await this.audit.record({ actor, requestId, projectId: endpoint.projectId, action, details: { endpointId: endpoint.id, host, ...details } });
  }

  async create(input: EndpointInput & { url: string }, by: EndpointActor): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    await this.checkUrl(input.url);
    const secret = newSecret();
    const endpoint = await this.repository.create({
      url: input.url, eventTypes: input.eventTypes ?? [...WEBHOOK_EVENT_TYPES], enabled: input.enabled ?? true,
      description: input.description, secrets: [{ secret, createdAt: new Date() }], createdBy: by.actor, ...projectField(by.projectId),
    });
    this.cached = undefined;
    await this.record(AuditAction.WebhookEndpointCreated, by, endpoint, { eventTypes: endpoint.eventTypes });
    return { endpoint, secret };
  }

  /** The caller's project's endpoints (root: every project's). */
  list(context: Pick<RequestContext, 'projectId'>): Promise<WebhookEndpointRecord[]> {
    return this.repository.all(visibleProject(context));
  }

  /** Another project's endpoint is "not found", as if it did not exist. */
  async get(id: string, context: Pick<RequestContext, 'projectId'>): Promise<WebhookEndpointRecord> {
    const endpoint = await this.repository.findById(id);
    if (!endpoint || !canSee(context, endpoint)) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  /** Enabling an endpoint again clears why it was disabled and its failing time. */
  async update(id: string, input: EndpointInput, by: EndpointActor): Promise<WebhookEndpointRecord> {
    await this.get(id, by);
    if (input.url !== undefined) await this.checkUrl(input.url);
    const reenabled = input.enabled === true ? { disabledReason: undefined, failingSince: undefined } : {};
    const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    const updated = await this.repository.update(id, { ...defined, ...reenabled });
    if (!updated) throw new WebhookEndpointNotFoundError(id);
    this.cached = undefined;
    await this.record(AuditAction.WebhookEndpointUpdated, by, updated, { changed: Object.keys(defined) });
    return updated;
  }

  async delete(id: string, by: EndpointActor): Promise<void> {
    const endpoint = await this.get(id, by);
    if (!(await this.repository.delete(id))) throw new WebhookEndpointNotFoundError(id);
    this.cached = undefined;
    await this.record(AuditAction.WebhookEndpointDeleted, by, endpoint);
  }

  /** A new secret signs from now on; the current one keeps signing too until the overlap ends. */
  async rollSecret(id: string, by: EndpointActor, overlapHours = DEFAULT_OVERLAP_HOURS): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    const endpoint = await this.get(id, by);
    const now = new Date();
    const until = new Date(now.getTime() + overlapHours * 3_600_000);
    const kept = endpoint.secrets.filter((entry) => !entry.expiresAt || entry.expiresAt > now)
      .map((entry) => ({ ...entry, expiresAt: entry.expiresAt && entry.expiresAt < until ? entry.expiresAt : until }));
    const secret = newSecret();
    const updated = await this.repository.setSecrets(id, [{ secret, createdAt: now }, ...(overlapHours > 0 ? kept : [])]);
    if (!updated) throw new WebhookEndpointNotFoundError(id);
    this.cached = undefined;
    await this.record(AuditAction.WebhookSecretRolled, by, updated, { overlapHours });
    return { endpoint: updated, secret };
  }

  /** Every endpoint, from a list this process refreshes every few seconds (deliveries read it per event). */
  endpoints(): Promise<WebhookEndpointRecord[]> {
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) {
      const endpoints = this.repository.all();
      this.cached = { at: Date.now(), endpoints };
      endpoints.catch(() => (this.cached = undefined));
    }
    return this.cached.endpoints;
  }

  /** A delivery succeeded: an endpoint that was failing is no longer. */
  async markSucceeded(endpoint: WebhookEndpointRecord): Promise<void> {
    if (!endpoint.failingSince) return;
    endpoint.failingSince = undefined;
    await this.repository.update(endpoint.id, { failingSince: undefined });
  }

  /** A delivery failed. True when the endpoint has now failed for WEBHOOK_DISABLE_AFTER_MS and is disabled. */
  async markFailed(endpoint: WebhookEndpointRecord, at = new Date()): Promise<boolean> {
    if (!endpoint.failingSince) {
      endpoint.failingSince = at;
      await this.repository.update(endpoint.id, { failingSince: at });
      return false;
    }
    const failingMs = at.getTime() - endpoint.failingSince.getTime();
    if (failingMs < this.config.webhooks.disableAfterMs) return false;
    endpoint.enabled = false;
    const disabledReason = `disabled at ${at.toISOString()}: every delivery failed since ${endpoint.failingSince.toISOString()}`;
    await this.repository.update(endpoint.id, { enabled: false, disabledReason });
    this.cached = undefined;
    await this.record(AuditAction.WebhookEndpointDisabled, { actor: 'notifyx' }, endpoint, { reason: disabledReason });
    return true;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await checkUrl(url, { allowLocal: this.config.webhooks.allowLocal });
    } catch (error) {
      if (error instanceof UnsafeUrlError) throw new DomainError('unsafe_webhook_url', `url ${error.reason}`, 400);
      throw error;
    }
  }
}
