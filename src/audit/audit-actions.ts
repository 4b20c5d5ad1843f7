/** Every action the audit log records; one list so readers and filters agree on names. */
export enum AuditAction {
  MessageAccepted = 'message.accepted',
  MessageStatusChanged = 'message.status_changed',
  MessageFailed = 'message.failed',
  BatchAccepted = 'batch.accepted',
  MessageBlocked = 'message.blocked',
  /** Not handed to Twilio before its expiresAt; it never will be. */
  MessageExpired = 'message.expired',
  /** The send policy refused a message before it was stored (country, number type, recipient limit, daily cap). */
  MessageRefused = 'message.refused',
  MessageRetryScheduled = 'message.retry_scheduled',
  MessageReclaimed = 'message.reclaimed',
  MessageReplayed = 'message.replayed',
  DeadLetterReplayed = 'dead_letter.replayed',
  CommandDeadLettered = 'command.dead_lettered',
  /** Twilio webhook calls with a missing or wrong signature, one entry per source address and minute with their count. */
  WebhookSignatureRejected = 'webhook.signature_rejected',
  /** Twilio webhook calls over the per-address limit, counted the same way. */
  WebhookRateLimited = 'webhook.rate_limited',
  ProjectCreated = 'project.created',
  ProjectUpdated = 'project.updated',
  ApiKeyCreated = 'api_key.created',
  ApiKeyRevoked = 'api_key.revoked',
  /** A request refused with 401 (no, unknown or revoked key) or 403 (missing scope). */
  AccessDenied = 'access.denied',
  /** A number put on the blocklist (inbound keyword, by hand, or Twilio error 21610). */
  OptOutAdded = 'optout.added',
  OptOutRemoved = 'optout.removed',
  InboundReceived = 'inbound.received',
  /** We answered an inbound HELP/INFO with the help text: an SMS we sent. */
  InboundHelpAnswered = 'inbound.help',
  TemplateCreated = 'template.created',
  TemplateUpdated = 'template.updated',
  TemplateDeleted = 'template.deleted',
}

export const AUDIT_ACTIONS = Object.values(AuditAction);
