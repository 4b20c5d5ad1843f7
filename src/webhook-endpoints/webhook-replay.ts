import { Injectable } from '@nestjs/common';
import type { AuditEntry } from '../audit/audit-entry.schema';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { statusEventOf } from '../events/status-event';
import { changeEntryOf, StatusEventPublisher } from '../events/status-event.publisher';
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

/** `evt_<messageId>_<seq>` → the fence of that change (src/lifecycle/status-log.ts). */
function fenceOfEventId(eventId: string): string | undefined {
  const match = /^evt_([0-9a-f]{24})_(\d{1,9})$/.exec(eventId);
  return match ? `${match[1]}:${match[2]}` : undefined;
}

/** Sends events again to one endpoint (same ids), as first attempts through the webhook queue. */
@Injectable()
export class WebhookReplay {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly audit: AuditService,
    private readonly publisher: StatusEventPublisher,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async replay(endpointId: string, request: ReplayRequest): Promise<{ replayed: number; truncated: boolean }> {
    const endpoint = await this.endpoints.get(endpointId);
    if (!endpoint.enabled) throw new DomainError('webhook_endpoint_disabled', `webhook endpoint ${endpointId} is disabled; enable it first`, 409);
    const entries = request.eventId ? await this.oneEvent(request.eventId) : await this.range(request);
    const wanted = entries.filter((entry) => isWebhookEventType(`message.${entry.change!.status}`)
      && (request.eventId !== undefined || endpoint.eventTypes.includes(`message.${entry.change!.status}`)));
    const complete = await this.publisher.completed(wanted.map((entry) => changeEntryOf(entry, entry.at)));
    const replayed = await this.dispatcher.enqueue(endpointId, complete.map(statusEventOf));
    return { replayed, truncated: entries.length === MAX_REPLAY };
  }

  private async oneEvent(eventId: string): Promise<AuditEntry[]> {
    const fence = fenceOfEventId(eventId);
    const entry = fence ? await this.audit.findFenced(fence) : null;
    if (!entry?.change) throw new DomainError('event_not_found', `eventId ${eventId} names no event`, 404);
    return [entry];
  }

  private range({ from, to }: ReplayRequest): Promise<AuditEntry[]> {
    if (!from || !to || from > to) throw new DomainError('invalid_replay', 'give eventId, or from and to (from before to)', 400);
    return this.audit.changesBetween(from, to, MAX_REPLAY);
  }
}
