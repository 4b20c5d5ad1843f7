import { ownerOf } from '../common/request-context';
import type { OutboundEvent } from '../events/status-event';
import type { WebhookEndpointRecord } from './webhook-endpoint.schema';

/**
 * Event types every project's endpoints receive: opt-outs are shared per number across projects
 * (a STOP binds every sender), so their change concerns them all.
 */
export const SHARED_EVENT_TYPES: readonly string[] = ['opt_out.changed'];

/**
 * The project whose endpoints an event goes to, read from the event itself (no store read per
 * event); undefined for a shared event. A status event names its message's project in
 * `data.projectId`; an event naming none (`message.received`: an inbound text is tied to no
 * project; an event published before projects existed) is the root project's.
 */
export function eventProject(event: Pick<OutboundEvent, 'type' | 'data'>): string | undefined {
  if (SHARED_EVENT_TYPES.includes(event.type)) return undefined;
  const named = event.data.projectId;
  return ownerOf({ projectId: typeof named === 'string' ? named : undefined });
}

/** Whether an endpoint may receive an event: one of its project's, or a shared one. */
export function reaches(endpoint: Pick<WebhookEndpointRecord, 'projectId'>, event: Pick<OutboundEvent, 'type' | 'data'>): boolean {
  const project = eventProject(event);
  return project === undefined || project === ownerOf(endpoint);
}
