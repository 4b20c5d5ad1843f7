import { MessageStatus } from '../lifecycle/message-status';
import { describeTwilioError } from '../sms/twilio-errors';
import { DeliveryTally, FailureTally, median, OutcomeCount, ReportTally } from './delivery-tally';

const row = (status: MessageStatus, count: number, segments = 1, errorCode: number | null = null): OutcomeCount =>
  ({ status, count, segments, errorCode });

describe('DeliveryTally', () => {
  it('counts outcomes, treats everything unfinished as pending and sums segments Twilio took', () => {
    const tally = new DeliveryTally();
    [
      row(MessageStatus.Delivered, 6, 2), row(MessageStatus.Undelivered, 1, 3, 30003), row(MessageStatus.Failed, 1, 1, 21211),
      row(MessageStatus.Sent, 2, 1), row(MessageStatus.Queued, 1, 4), row(MessageStatus.Scheduled, 1), row(MessageStatus.Sending, 1),
      row(MessageStatus.Blocked, 2, 5), row(MessageStatus.Canceled, 1), row(MessageStatus.Expired, 2, 3),
    ].forEach((r) => tally.add(r));
    expect({ ...tally, deliveryRate: tally.deliveryRate }).toEqual({
      messages: 18, delivered: 6, undelivered: 1, failed: 1, blocked: 2, canceled: 1, expired: 2, pending: 5,
      segmentsSent: 6 * 2 + 3 + 2, deliveryRate: 0.75,
    });
  });

  it('has no delivery rate until a message is settled, and rounds it to 4 decimals', () => {
    const tally = new DeliveryTally();
    tally.add(row(MessageStatus.Blocked, 3));
    expect(tally.deliveryRate).toBeNull();
    tally.add(row(MessageStatus.Delivered, 2));
    tally.add(row(MessageStatus.Failed, 1));
    expect(tally.deliveryRate).toBe(0.6667);
  });
});

describe('FailureTally', () => {
  it('lists failure codes most frequent first with catalogue descriptions, ignoring codes of delivered messages', () => {
    const failures = new FailureTally();
    failures.add(row(MessageStatus.Failed, 1, 1, 21211));
    failures.add(row(MessageStatus.Undelivered, 2, 1, 30003));
    failures.add(row(MessageStatus.Failed, 1, 1, 30003));
    failures.add(row(MessageStatus.Failed, 1, 1, null));
    failures.add(row(MessageStatus.Delivered, 9, 1, 20429));
    const reasons = failures.reasons();
    expect(reasons.map(({ errorCode, count }) => [errorCode, count])).toEqual([[30003, 3], [null, 1], [21211, 1]]);
    expect(reasons[0]).toMatchObject({ title: 'Unreachable destination handset', description: describeTwilioError(30003).description });
    expect(reasons[1].description).toMatch(/without a Twilio error code/);
  });
});

describe('ReportTally', () => {
  it('keeps fixed keys in order, empty ones included', () => {
    const tally = new ReportTally(['2025-01-01', '2025-01-02', '2025-01-03']);
    tally.add('2025-01-03', row(MessageStatus.Delivered, 2));
    expect(tally.entries().map(([key, group]) => [key, group.messages])).toEqual([['2025-01-01', 0], ['2025-01-02', 0], ['2025-01-03', 2]]);
    expect(tally.totals.delivered).toBe(2);
  });

  it('orders other groups largest first', () => {
    const tally = new ReportTally();
    tally.add('GB', row(MessageStatus.Delivered, 1));
    tally.add('BR', row(MessageStatus.Delivered, 3));
    tally.add('AR', row(MessageStatus.Failed, 1, 1, 21211));
    expect(tally.entries().map(([key]) => key)).toEqual(['BR', 'AR', 'GB']);
    expect(tally.failures.reasons()).toHaveLength(1);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 20, 30])).toBe(25);
    expect(median([1, 2])).toBe(2);
  });
});
