import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import { AuditAction } from '../audit/audit-actions';
import { AuditEvent, AuditService } from '../audit/audit.service';
import { WebhookMetrics, WebhookRefusalReason } from '../metrics/webhook-metrics';

/** One audit entry per source address, reason and window: a flood costs a few entries a minute, not one per call. */
export const REFUSAL_WINDOW_MS = 60_000;
/**
 * Sources tallied per window; beyond, refusals count under one `other` source. Bounds memory when
 * a flood comes from many addresses (or a misconfigured TRUST_PROXY lets clients pick theirs).
 */
export const MAX_SOURCES = 10_000;
const MAX_PATHS = 5;

interface Tally {
  ip: string;
  reason: WebhookRefusalReason;
  count: number;
  paths: Set<string>;
  first: Date;
  last: Date;
}

const ACTIONS: Record<WebhookRefusalReason, AuditAction> = {
  invalid_signature: AuditAction.WebhookSignatureRejected,
  rate_limited: AuditAction.WebhookRateLimited,
};

/** Counts refused Twilio webhook calls (metric at once, audit in aggregate at the end of each window). */
@Injectable()
export class WebhookRefusals implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WebhookRefusals.name);
  private tallies = new Map<string, Tally>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditService,
    private readonly metrics: WebhookMetrics,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), REFUSAL_WINDOW_MS);
    this.timer.unref();
  }

  /** The tallies still open are written before the store connection closes. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  record(request: Request, reason: WebhookRefusalReason, at = new Date()): void {
    const route = (request.route as { path?: string } | undefined)?.path ?? 'unknown';
    this.metrics.refused(route, reason);
    const source = request.ip ?? 'unknown';
    const key = this.tallies.has(`${reason} ${source}`) || this.tallies.size < MAX_SOURCES ? `${reason} ${source}` : `${reason} other`;
    const tally = this.tallies.get(key) ?? this.open(key, key.slice(reason.length + 1), reason, at);
    tally.count += 1;
    tally.last = at;
    if (tally.paths.size < MAX_PATHS) tally.paths.add(request.path.slice(0, 200));
  }

  /** Writes one entry per open tally and starts a new window. Never throws: refusals must stay refusals. */
  async flush(): Promise<void> {
    const closed = [...this.tallies.values()];
    this.tallies = new Map();
    if (closed.length === 0) return;
    const events: AuditEvent[] = closed.map((tally) => ({
      actor: 'anonymous',
      action: ACTIONS[tally.reason],
      details: { ip: tally.ip, count: tally.count, paths: [...tally.paths], from: tally.first.toISOString(), to: tally.last.toISOString() },
    }));
    try {
      await this.audit.recordMany(events);
    } catch (error) {
      this.logger.warn({ err: error, refusals: closed.reduce((sum, tally) => sum + tally.count, 0) }, 'could not audit refused webhook calls');
    }
  }

  private open(key: string, ip: string, reason: WebhookRefusalReason, at: Date): Tally {
    const tally = { ip, reason, count: 0, paths: new Set<string>(), first: at, last: at };
    this.tallies.set(key, tally);
    return tally;
  }
}
