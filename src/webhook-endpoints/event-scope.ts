import { ownerOf } from '../common/request-context';
import type { OutboundEvent } from '../events/status-event';
import type { WebhookEndpointRecord } from './webhook-endpoint.schema';

/**
 * Event types that may reach every project's endpoints: opt-outs are one list for all projects
 * (a STOP binds every sender), so a recipient's keyword or Twilio's refusal concerns them all.
 */
export const SHARED_EVENT_TYPES: readonly string[] = ['opt_out.changed'];

/**
 * The project whose endpoints an event goes to, read from the event itself (no store read per
 * event); undefined for an event every project's endpoints get. A status event names its message's
 * project in `data.projectId`; an opt-out listed by hand (`source: manual`) is its project's only,
 * as the opt-outs API shows its reason to that project only; an event naming none
 * (`message.received`: an inbound text is tied to no project; one from before projects) is root's.
 */
export function eventProject(event: Pick<OutboundEvent, 'type' | 'data'>): string | undefined {
  if (SHARED_EVENT_TYPES.includes(event.type) && event.data.source !== 'manual') return undefined;
  const named = event.data.projectId;
  return ownerOf({ projectId: typeof named === 'string' ? named : undefined });
}

/** Whether an endpoint may receive an event: one of its project's, or a shared one. */
export function reaches(endpoint: Pick<WebhookEndpointRecord, 'projectId'>, event: Pick<OutboundEvent, 'type' | 'data'>): boolean {
  const project = eventProject(event);
  return project === undefined || project === ownerOf(endpoint);
}
