import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.schema';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { ownerOf, RequestContext } from '../common/request-context';
import { outboundOf, PendingEntry } from '../events/status-event';
import { pendingEntryOf, StatusEventPublisher } from '../events/status-event.publisher';
import { reaches, SHARED_EVENT_TYPES } from './event-scope';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { isWebhookEventType } from './webhook-event-types';

/** At most this many events per replay request; a longer range is replayed in several. */
export const MAX_REPLAY = 10_000;

export interface ReplayRequest {
  eventId?: string;
  from?: Date;
  to?: Date;
}

/** `evt_<messageId>_<seq>` → the fence of that change (src/lifecycle/status-log.ts); other events are fenced by their id. */
function fenceOfEventId(eventId: string): string | undefined {
  if (!/^evt_[\w-]{1,60}$/.test(eventId)) return undefined;
  const match = /^evt_([0-9a-f]{24})_(\d{1,9})$/.exec(eventId);
  return match ? `${match[1]}:${match[2]}` : `event:${eventId}`;
}

function eventNotFound(eventId: string): DomainError {
  return new DomainError('event_not_found', `eventId ${eventId} names no event`, 404);
}

/** The type of an entry's event. */
function typeOf(entry: AuditEntry): string {
  return entry.change ? `message.${entry.change.status}` : String((entry.event as { type?: unknown } | undefined)?.type);
}

/**
 * Sends events again to one endpoint (same ids), as first attempts through the webhook queue: only
 * events it could have received, its project's and shared ones (another project's event is "not found").
 */
@Injectable()
export class WebhookReplay {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly audit: AuditService,
    private readonly publisher: StatusEventPublisher,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async replay(endpointId: string, request: ReplayRequest, context: Pick<RequestContext, 'projectId'>): Promise<{ replayed: number; truncated: boolean }> {
    const endpoint = await this.endpoints.get(endpointId, context);
    if (!endpoint.enabled) throw new DomainError('webhook_endpoint_disabled', `webhook endpoint ${endpointId} is disabled; enable it first`, 409);
    const entries = request.eventId ? await this.oneEvent(request.eventId) : await this.range(request, ownerOf(endpoint));
    const wanted = entries.filter((entry) => isWebhookEventType(typeOf(entry)) && (request.eventId !== undefined || endpoint.eventTypes.includes(typeOf(entry))));
    const complete: PendingEntry[] = await this.publisher.completed(wanted.map((entry) => pendingEntryOf(entry, entry.at)));
    const outbound = complete.map((entry) => outboundOf(entry).event);
    const events = outbound.filter((event) => reaches(endpoint, event));
    // One event of another project: "not found", as its endpoints are.
    if (request.eventId && events.length < outbound.length) throw eventNotFound(request.eventId);
    const replayed = await this.dispatcher.enqueue(endpointId, events);
    return { replayed, truncated: entries.length === MAX_REPLAY };
  }

  private async oneEvent(eventId: string): Promise<AuditEntry[]> {
    const fence = fenceOfEventId(eventId);
    const entry = fence ? await this.audit.findFenced(fence) : null;
    if (!entry?.change && !entry?.event) throw eventNotFound(eventId);
    return [entry];
  }

  /** The range's events of `projectId` and the shared ones, so MAX_REPLAY counts only events the endpoint may get. */
  private range({ from, to }: ReplayRequest, projectId: string): Promise<AuditEntry[]> {
    if (!from || !to || from > to) throw new DomainError('invalid_replay', 'give eventId, or from and to (from before to)', 400);
    return this.audit.changesBetween(from, to, MAX_REPLAY, { projectId, sharedTypes: SHARED_EVENT_TYPES });
  }
}
