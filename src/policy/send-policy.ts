import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { AppConfig, SendPolicySettings } from '../config/app-config';
import type { Actor } from '../messages/message-lifecycle.service';
import { MessageLifecycle } from '../messages/message-lifecycle.service';
import { maskPhone } from '../sms/phone';
import { destinationOf, destinationRefusal } from './destination-rules';
import { DailySegmentCapReachedError, PolicyRefusal, RecipientLimitReachedError } from './policy-refusals';
import { UsageCounters } from './usage-counters';

/** What the policy looks at: the E.164 recipient and what the text costs. */
export interface SendCandidate {
  to: string;
  segments: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The clock hour or UTC day `now` falls in: its counter name and when it ends. */
function windowOf(now: number, lengthMs: number): { id: string; end: Date } {
  const start = Math.floor(now / lengthMs) * lengthMs;
  return { id: new Date(start).toISOString().slice(0, lengthMs === DAY_MS ? 10 : 13), end: new Date(start + lengthMs) };
}

/**
 * SMS-pumping and cost defences, applied once to every message when it comes in (REST or
 * producer): destination country and number type, messages per recipient per hour, segments per
 * day. Counted when admitted, so a message that later fails still counted: a cost cap errs low.
 */
@Injectable()
export class SendPolicy {
  private readonly logger = new Logger(SendPolicy.name);
  private readonly settings: SendPolicySettings;

  constructor(
    config: AppConfig,
    private readonly counters: UsageCounters,
    private readonly audit: AuditService,
    private readonly lifecycle: MessageLifecycle,
  ) {
    this.settings = config.sendPolicy;
  }

  /** For the API: throws the refusal (a 4xx) before anything is stored, and audits it. */
  async admit(candidate: SendCandidate, by: Actor): Promise<void> {
    const refusal = await this.evaluate(candidate);
    if (!refusal) return;
    await this.audit.record({
      ...by, action: AuditAction.MessageRefused,
      details: { code: refusal.code, reason: refusal.message, to: maskPhone(candidate.to), segments: candidate.segments },
    });
    throw refusal;
  }

  /**
   * For a producer's message, stored already (its producerId must stay taken): a refusal ends it
   * `blocked` with the reason, audited. False when it must not be sent.
   */
  async screen(message: SendCandidate & { id: string }, by: Actor): Promise<boolean> {
    const refusal = await this.evaluate(message);
    if (refusal) await this.lifecycle.markBlocked(message.id, `${refusal.code}: ${refusal.message}`, by);
    return !refusal;
  }

  /**
   * For a bulk send: each recipient is judged on its own (destination, then its hourly count,
   * several entries for one number counted together) and a refused one gets its refusal at its
   * index, audited; the others go ahead. The day's segments are taken for the batch as a whole:
   * if they do not fit, the whole batch is refused (thrown, audited) and nothing stays counted.
   */
  async admitMany(candidates: SendCandidate[], by: Actor): Promise<(PolicyRefusal | null)[]> {
    const refusals = candidates.map(({ to }) => destinationRefusal(destinationOf(to), this.settings));
    const now = Date.now();
    const { recipientHourlyLimit: perHour, dailySegmentCap: perDay } = this.settings;
    const hour = windowOf(now, HOUR_MS);
    const byRecipient = new Map<string, number[]>();
    candidates.forEach(({ to }, index) => {
      if (!refusals[index]) byRecipient.set(to, [...(byRecipient.get(to) ?? []), index]);
    });
    const counted = [...byRecipient].map(([to, indexes]) => ({ counter: `recipient:${to}:${hour.id}`, amount: indexes.length, limit: perHour, expiresAt: hour.end, indexes }));
    if (perHour > 0) {
      const added = await this.counters.addMany(counted);
      for (const [position, step] of counted.entries()) {
        if (added[position]) continue;
        // Not all of this number's messages fit this hour: admit them one by one while some do.
        let admitted = 0;
        while (admitted < step.indexes.length && (await this.counters.add(step.counter, 1, perHour, hour.end))) admitted += 1;
        const refusal = new RecipientLimitReachedError(perHour, Math.ceil((hour.end.getTime() - now) / 1000));
        for (const index of step.indexes.slice(admitted)) refusals[index] = refusal;
        step.amount = admitted;
      }
    }
    const segments = candidates.reduce((sum, candidate, index) => sum + (refusals[index] ? 0 : candidate.segments), 0);
    const day = windowOf(now, DAY_MS);
    if (perDay > 0 && segments > 0 && !(await this.counters.add(`segments:${day.id}`, segments, perDay, day.end))) {
      if (perHour > 0) await this.counters.addMany(counted.filter((step) => step.amount > 0).map((step) => ({ ...step, amount: -step.amount })));
      const refusal = new DailySegmentCapReachedError(perDay, Math.ceil((day.end.getTime() - now) / 1000));
      await this.audit.record({ ...by, action: AuditAction.MessageRefused, details: { code: refusal.code, reason: refusal.message, recipients: candidates.length, segments } });
      throw refusal;
    }
    await this.audit.recordMany(candidates.flatMap((candidate, index) => {
      const refusal = refusals[index];
      return refusal ? [{ ...by, action: AuditAction.MessageRefused, details: { index, code: refusal.code, reason: refusal.message, to: maskPhone(candidate.to), segments: candidate.segments } }] : [];
    }));
    return refusals;
  }

  private async evaluate(candidate: SendCandidate): Promise<PolicyRefusal | null> {
    const destination = destinationOf(candidate.to);
    const log = { to: maskPhone(candidate.to), ...destination, segments: candidate.segments };
    const refusal = destinationRefusal(destination, this.settings) ?? (await this.spend(candidate));
    if (refusal) this.logger.warn({ ...log, code: refusal.code }, 'send refused by policy');
    else this.logger.debug(log, 'send admitted by policy');
    return refusal;
  }

  /** Takes one message from the recipient's hour and the segments from the day, or neither. */
  private async spend({ to, segments }: SendCandidate): Promise<PolicyRefusal | null> {
    const now = Date.now();
    const { recipientHourlyLimit: perHour, dailySegmentCap: perDay } = this.settings;
    const hour = windowOf(now, HOUR_MS);
    const recipient = `recipient:${to}:${hour.id}`;
    if (perHour > 0 && !(await this.counters.add(recipient, 1, perHour, hour.end))) {
      return new RecipientLimitReachedError(perHour, Math.ceil((hour.end.getTime() - now) / 1000));
    }
    const day = windowOf(now, DAY_MS);
    if (perDay > 0 && !(await this.counters.add(`segments:${day.id}`, segments, perDay, day.end))) {
      if (perHour > 0) await this.counters.add(recipient, -1, perHour, hour.end);
      return new DailySegmentCapReachedError(perDay, Math.ceil((day.end.getTime() - now) / 1000));
    }
    return null;
  }
}
