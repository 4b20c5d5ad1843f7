import { DomainError } from '../common/domain-error';

const MIN_AHEAD_MS = 60_000;
const MAX_AHEAD_MS = 35 * 24 * 3_600_000;

/** Scheduled sends go from 1 minute to 35 days ahead (Twilio's own scheduling window is 15 min–35 days). */
export function checkSendAt(sendAt: Date | undefined, now = Date.now()): Date | undefined {
  if (sendAt === undefined) return undefined;
  const ahead = sendAt.getTime() - now;
  if (Number.isNaN(ahead) || ahead < MIN_AHEAD_MS || ahead > MAX_AHEAD_MS) {
    throw new DomainError('invalid_send_at', 'sendAt must be between 1 minute and 35 days from now', 400);
  }
  return sendAt;
}
