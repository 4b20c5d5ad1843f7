import { AuditAction } from '../audit/audit-actions';
import type { AuditEvent, AuditListener, AuditService } from '../audit/audit.service';
import { MessageStatus } from '../lifecycle/message-status';
import { AuditMetricsListener } from './audit-metrics.listener';
import { FinalStatusObserver } from './final-status-observer';
import { MetricsRegistry } from './metrics-registry';
import type { MessageOutcome, MetricsRepository } from './metrics.repository';
import { SmsMetrics } from './sms-metrics';

const ID = (n: number) => n.toString(16).padStart(24, '0');

function setUp(outcomes: (ids: string[]) => Promise<Map<string, MessageOutcome>>) {
  const metrics = new MetricsRegistry();
  const sms = new SmsMetrics(metrics);
  const finals = new FinalStatusObserver({ outcomes } as MetricsRepository, sms);
  let listener: AuditListener = () => undefined;
  const audit = { onRecorded: (l: AuditListener) => (listener = l) } as unknown as AuditService;
  new AuditMetricsListener(audit, sms, finals).onModuleInit();
  const record = (event: Partial<AuditEvent> & Pick<AuditEvent, 'action'>, at = new Date()) =>
    listener({ actor: 'worker', ...event }, at);
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const match = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l));
    return match?.value ?? 0;
  };
  return { metrics, finals, record, value };
}

describe('AuditMetricsListener', () => {
  it('counts each audited change once, by the labels operators filter on', async () => {
    const { record, value } = setUp(async () => new Map());
    record({ action: AuditAction.MessageAccepted, actor: 'apikey:abcd1234' });
    record({ action: AuditAction.MessageAccepted, actor: 'producer' });
    record({ action: AuditAction.MessageStatusChanged, messageId: ID(1), details: { from: 'sending', to: MessageStatus.Sent } });
    record({ action: AuditAction.MessageStatusChanged, messageId: ID(1), details: { from: 'queued', to: MessageStatus.Sending } });
    record({ action: AuditAction.MessageFailed, messageId: ID(2), details: { errorCode: 21211 } });
    record({ action: AuditAction.MessageFailed, messageId: ID(3), details: {} });
    record({ action: AuditAction.MessageRetryScheduled, messageId: ID(4), details: { errorCode: 20429 } });
    record({ action: AuditAction.MessageBlocked, messageId: ID(5) });
    record({ action: AuditAction.CommandDeadLettered, messageId: ID(4) });
    record({ action: AuditAction.CommandDeadLettered });
    record({ action: AuditAction.ApiKeyCreated });

    expect(await value('notifyx_messages_accepted_total', { source: 'api' })).toBe(1);
    expect(await value('notifyx_messages_accepted_total', { source: 'producer' })).toBe(1);
    expect(await value('notifyx_messages_sent_total')).toBe(1);
    expect(await value('notifyx_messages_failed_total', { status: 'failed', error_code: '21211' })).toBe(1);
    expect(await value('notifyx_messages_failed_total', { status: 'failed', error_code: 'none' })).toBe(1);
    expect(await value('notifyx_message_retries_total', { error_code: '20429' })).toBe(1);
    expect(await value('notifyx_messages_blocked_total')).toBe(1);
    expect(await value('notifyx_dead_lettered_total', { kind: 'message' })).toBe(1);
    expect(await value('notifyx_dead_lettered_total', { kind: 'command' })).toBe(1);
  });

  it('reads acceptance time and error code of reported final statuses in one batched lookup', async () => {
    const lookups: string[][] = [];
    const accepted = new Date('2025-01-01T00:00:00Z');
    const { record, value, finals } = setUp(async (ids) => {
      lookups.push(ids);
      return new Map([[ID(1), { createdAt: accepted }], [ID(2), { createdAt: accepted, errorCode: 30003 }]]);
    });
    record({ action: AuditAction.MessageStatusChanged, messageId: ID(1), details: { to: 'delivered' } }, new Date(accepted.getTime() + 1500));
    record({ action: AuditAction.MessageStatusChanged, messageId: ID(2), details: { to: 'undelivered' } });
    await finals.flush();

    expect(lookups).toEqual([[ID(1), ID(2)]]);
    expect(await value('notifyx_messages_delivered_total')).toBe(1);
    expect(await value('notifyx_messages_failed_total', { status: 'undelivered', error_code: '30003' })).toBe(1);
    expect(await value('notifyx_accept_to_delivered_seconds', { le: '2' })).toBe(1);
    expect(await value('notifyx_accept_to_delivered_seconds', { le: '1' })).toBe(0);
  });

  it('counts reported final statuses from what their entries hold (the acceptance time, the change\'s code), without a read', async () => {
    const lookups: string[][] = [];
    const { record, value, finals } = setUp(async (ids) => {
      lookups.push(ids);
      return new Map();
    });
    const accepted = Date.parse('2025-01-01T00:00:00Z');
    const changed = (messageId: string, to: string, set: Record<string, unknown> = {}) => ({
      action: AuditAction.MessageStatusChanged, messageId, details: { to }, fence: `${messageId}:4`, change: { status: to, set }, event: { segments: 1, acceptedAt: accepted },
    });
    record(changed(ID(1), 'delivered'), new Date(accepted + 700));
    record(changed(ID(2), 'undelivered', { errorCode: 30003 }));
    record(changed(ID(3), 'failed'));
    await finals.flush();

    expect(lookups).toEqual([]);
    expect(await value('notifyx_messages_delivered_total')).toBe(1);
    expect(await value('notifyx_accept_to_delivered_seconds', { le: '1' })).toBe(1);
    expect(await value('notifyx_accept_to_delivered_seconds', { le: '0.5' })).toBe(0);
    expect(await value('notifyx_messages_failed_total', { status: 'undelivered', error_code: '30003' })).toBe(1);
    expect(await value('notifyx_messages_failed_total', { status: 'failed', error_code: 'none' })).toBe(1);
  });

  it('still counts final statuses while the store cannot be read, without timing them', async () => {
    const { record, value, finals } = setUp(async () => {
      throw new Error('store down');
    });
    record({ action: AuditAction.MessageStatusChanged, messageId: ID(1), details: { to: 'delivered' } });
    record({ action: AuditAction.MessageStatusChanged, messageId: ID(2), details: { to: 'failed' } });
    await finals.flush();

    expect(await value('notifyx_messages_delivered_total')).toBe(1);
    expect(await value('notifyx_messages_failed_total', { status: 'failed', error_code: 'none' })).toBe(1);
    expect(await value('notifyx_accept_to_delivered_seconds_count')).toBe(0);
  });
});
