import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { ROOT_PROJECT } from '../common/request-context';
import { ProjectsService } from '../projects/projects.service';
import type { Actor } from '../lifecycle/message-lifecycle.service';
import { MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { maskPhone } from '../sms/phone';
import { Destination, destinationOf, destinationRefusal } from './destination-rules';
import { DailySegmentCapReachedError, PolicyRefusal, RecipientLimitReachedError } from './policy-refusals';
import { UsageCounters } from './usage-counters';

/** What the policy looks at: the E.164 recipient and what the text costs. */
export interface SendCandidate {
  to: string;
  segments: number;
  /** Unset: the root project. Its limits apply, counted apart from other projects'. */
  projectId?: string;
}

/** What the counting path decided for some candidates, in their order. */
interface Count {
  refusals: (PolicyRefusal | null)[];
  /** Set when the day's segment cap could not carry the admitted ones: nothing stayed counted. */
  dayRefusal?: PolicyRefusal;
  /** Segments of the candidates not refused on their own. */
  segments: number;
  destinations: Destination[];
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

  constructor(
    private readonly projects: ProjectsService,
    private readonly counters: UsageCounters,
    private readonly audit: AuditService,
    private readonly lifecycle: MessageLifecycle,
  ) {}

  /** For the API: throws the refusal (a 4xx) before anything is stored, and audits it. */
  async admit(candidate: SendCandidate, by: Actor): Promise<void> {
    const refusal = await this.judgeOne(candidate);
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
    const refusal = await this.judgeOne(message);
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
    const { refusals, dayRefusal, segments } = await this.count(candidates);
    if (dayRefusal) {
      await this.audit.record({ ...by, action: AuditAction.MessageRefused, details: { code: dayRefusal.code, reason: dayRefusal.message, recipients: candidates.length, segments } });
      throw dayRefusal;
    }
    await this.audit.recordMany(candidates.flatMap((candidate, index) => {
      const refusal = refusals[index];
      return refusal ? [{ ...by, action: AuditAction.MessageRefused, details: { index, code: refusal.code, reason: refusal.message, to: maskPhone(candidate.to), segments: candidate.segments } }] : [];
    }));
    return refusals;
  }

  /** One message's verdict, logged: its own refusal or the day's. */
  private async judgeOne(candidate: SendCandidate): Promise<PolicyRefusal | null> {
    const { refusals: [own], dayRefusal, destinations: [destination] } = await this.count([candidate]);
    const refusal = own ?? dayRefusal ?? null;
    const log = { to: maskPhone(candidate.to), ...destination, segments: candidate.segments };
    if (refusal) this.logger.warn({ ...log, code: refusal.code }, 'send refused by policy');
    else this.logger.debug(log, 'send admitted by policy');
    return refusal;
  }

  /**
   * The one counting path. Destination rules first; then each recipient's messages are taken from
   * its hour, all at once or, when they do not all fit, one by one while some do; then the
   * admitted segments from the day. When the day cannot carry them, every hourly count taken here
   * is given back and `dayRefusal` says so: the candidates' own refusals stand either way.
   */
  private async count(candidates: SendCandidate[]): Promise<Count> {
    // One request's or command's candidates: one project.
    const projectId = candidates[0]?.projectId ?? ROOT_PROJECT;
    const settings = await this.projects.sendPolicyFor(projectId);
    const destinations = candidates.map(({ to }) => destinationOf(to));
    const refusals = destinations.map((destination) => destinationRefusal(destination, settings));
    const now = Date.now();
    const { recipientHourlyLimit: perHour, dailySegmentCap: perDay } = settings;
    // The root project's counters keep the names they had before projects existed.
    const scope = projectId === ROOT_PROJECT ? '' : `project:${projectId}:`;
    const hour = windowOf(now, HOUR_MS);
    const byRecipient = new Map<string, number[]>();
    candidates.forEach(({ to }, index) => {
      if (!refusals[index]) byRecipient.set(to, [...(byRecipient.get(to) ?? []), index]);
    });
    const counted = [...byRecipient].map(([to, indexes]) => ({ counter: `${scope}recipient:${to}:${hour.id}`, amount: indexes.length, limit: perHour, expiresAt: hour.end, indexes }));
    if (perHour > 0) {
      const added = await this.counters.addMany(counted);
      for (const [position, step] of counted.entries()) {
        if (added[position]) continue;
        let admitted = 0;
        while (step.indexes.length > 1 && admitted < step.indexes.length && (await this.counters.add(step.counter, 1, perHour, hour.end))) admitted += 1;
        const refusal = new RecipientLimitReachedError(perHour, Math.ceil((hour.end.getTime() - now) / 1000));
        for (const index of step.indexes.slice(admitted)) refusals[index] = refusal;
        step.amount = admitted;
      }
    }
    const segments = candidates.reduce((sum, candidate, index) => sum + (refusals[index] ? 0 : candidate.segments), 0);
    const day = windowOf(now, DAY_MS);
    if (perDay > 0 && segments > 0 && !(await this.counters.add(`${scope}segments:${day.id}`, segments, perDay, day.end))) {
      if (perHour > 0) await this.counters.addMany(counted.filter((step) => step.amount > 0).map((step) => ({ ...step, amount: -step.amount })));
      return { refusals, dayRefusal: new DailySegmentCapReachedError(perDay, Math.ceil((day.end.getTime() - now) / 1000)), segments, destinations };
    }
    return { refusals, segments, destinations };
  }
}
