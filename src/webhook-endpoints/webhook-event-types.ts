/** The events an endpoint can receive: a message's outcomes, inbound texts (not keywords) and blocklist changes. */
export const WEBHOOK_EVENT_TYPES = [
  'message.sent', 'message.delivered', 'message.undelivered', 'message.failed', 'message.blocked', 'message.canceled', 'message.expired',
  'message.received', 'opt_out.changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}
