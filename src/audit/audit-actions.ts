/** Every action the audit log records; one list so readers and filters agree on names. */
export enum AuditAction {
  MessageAccepted = 'message.accepted',
  MessageStatusChanged = 'message.status_changed',
  MessageFailed = 'message.failed',
  CommandDeadLettered = 'command.dead_lettered',
  WebhookSignatureRejected = 'webhook.signature_rejected',
}

export const AUDIT_ACTIONS = Object.values(AuditAction);
