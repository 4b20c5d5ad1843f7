import { canTransition, isFinal, MessageStatus as S, statusFromTwilio, takesReport } from './message-status';

describe('message status transitions', () => {
  it.each([
    [S.Queued, S.Sending],
    [S.Sending, S.Sent],
    [S.Sending, S.Failed],
    [S.Sent, S.Delivered],
    [S.Sent, S.Undelivered],
    [S.Queued, S.Delivered],
    [S.Scheduled, S.Canceled],
  ])('%s → %s moves forward', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    [S.Delivered, S.Sent],
    [S.Delivered, S.Undelivered],
    [S.Failed, S.Delivered],
    [S.Sent, S.Sending],
    [S.Sent, S.Sent],
    [S.Sending, S.Queued],
    [S.Canceled, S.Sending],
    [S.Blocked, S.Sent],
  ])('%s → %s is refused: a late or repeated report never moves a message back', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it("takes Twilio's reports forward, except `sent` for a message its worker is still recording as sent", () => {
    expect(takesReport(S.Sending, S.Sent)).toBe(false);
    expect([[S.Sending, S.Delivered], [S.Sending, S.Failed], [S.Sent, S.Delivered], [S.Queued, S.Sent]]
      .every(([from, to]) => takesReport(from, to))).toBe(true);
    expect([[S.Delivered, S.Sent], [S.Sent, S.Sent], [S.Failed, S.Delivered]].some(([from, to]) => takesReport(from, to))).toBe(false);
  });

  it('knows which statuses are final', () => {
    expect([S.Delivered, S.Undelivered, S.Failed, S.Blocked, S.Canceled].every(isFinal)).toBe(true);
    expect([S.Scheduled, S.Queued, S.Sending, S.Sent].some(isFinal)).toBe(false);
  });

  it('reads Twilio statuses and ignores those that are not ours', () => {
    expect(statusFromTwilio('delivered')).toBe(S.Delivered);
    expect(statusFromTwilio('SENT')).toBe(S.Sent);
    expect(statusFromTwilio('undelivered')).toBe(S.Undelivered);
    expect(statusFromTwilio('queued')).toBeUndefined();
    expect(statusFromTwilio('accepted')).toBeUndefined();
  });
});
