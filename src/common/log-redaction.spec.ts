import pino from 'pino';
import { basicAuthOf, censor, maskPhoneLike, maskPhonesInText, maskUrl, REDACT_PATHS, secretScrubber, serializeError, serializeRequest } from './log-redaction';

/** A pino logger set up as the app's, writing into an array. */
function capture(): { lines: string[]; logger: pino.Logger } {
  const lines: string[] = [];
  const scrub = secretScrubber(['sekret-token-123456']);
  const logger = pino(
    { serializers: { err: serializeError }, redact: { paths: REDACT_PATHS, censor } },
    { write: (line: string) => lines.push(scrub(maskPhonesInText(line))) },
  );
  return { lines, logger };
}

describe('log redaction', () => {
  it('masks phone fields, leaving non-phone values in them alone', () => {
    const { lines, logger } = capture();
    logger.info({ to: '+5511987654321', from: 'sent', details: { to: '11987654321' } }, 'x');
    logger.info({ to: '+55119****4321' }, 'already masked');
    expect(lines[0]).toContain('"to":"+55119****4321"');
    expect(lines[0]).toContain('"from":"sent"');
    expect(lines[0]).not.toContain('987654321');
    expect(lines[1]).toContain('+55119****4321');
  });

  it('never writes message bodies or secrets kept in fields', () => {
    const { lines, logger } = capture();
    logger.info({ body: 'your code is 123456', sms: { Body: 'hi' }, authToken: 'abc', headers: { 'x-api-key': 'k' } }, 'x');
    expect(lines[0]).not.toMatch(/123456|"hi"|abc|"k"/);
  });

  it('masks numbers in free text and replaces configured secrets anywhere', () => {
    const { lines, logger } = capture();
    logger.warn("The 'To' number +5511987654321 is not valid; token sekret-token-123456; url ?to=%2B5511987654321");
    expect(lines[0]).not.toMatch(/987654321|sekret/);
    expect(lines[0]).toContain('+55119****4321');
  });

  it('keeps an allow-list of error fields: no request config, no Authorization header', () => {
    const error = Object.assign(new Error('Request failed with status code 500'), {
      code: 'ERR_BAD_RESPONSE', status: 500,
      config: { headers: { Authorization: `Basic ${basicAuthOf('ACx', 'sekret-token-123456')}` }, auth: { password: 'p' } },
      request: { socket: {} },
      cause: new Error('socket hang up'),
    });
    const serialized = serializeError(error) as Record<string, unknown>;
    expect(Object.keys(serialized).sort()).toEqual(['cause', 'code', 'message', 'stack', 'status', 'type']);
    expect(serialized.cause).toMatchObject({ message: 'socket hang up' });
    expect(JSON.stringify(serialized)).not.toContain('Basic');
  });

  it('masks phones in request URLs and keeps only harmless headers', () => {
    expect(maskUrl('/v1/messages?to=%2B5511987654321&limit=5')).toBe('/v1/messages?to=%2B55119****4321&limit=5');
    // Without a country code maskPhone cannot tell the subscriber part: every digit goes.
    expect(maskUrl('/v1/opt-outs/11987654321')).toBe('/v1/opt-outs/***********');
    expect(maskUrl('/v1/reports/delivery?from=2025-01-01&to=2025-01-31')).toBe('/v1/reports/delivery?from=2025-01-01&to=2025-01-31');
    expect(maskUrl('/v1/messages/6650123456789abcdef01234')).toBe('/v1/messages/6650123456789abcdef01234');
    const req = serializeRequest({ method: 'GET', url: '/health', headers: { 'x-api-key': 'k', authorization: 'Basic x', 'user-agent': 'curl' } });
    expect(req).toMatchObject({ method: 'GET', url: '/health', headers: { 'user-agent': 'curl' } });
    expect(JSON.stringify(req)).not.toMatch(/x-api-key|authorization/);
  });

  it('reads as a phone only what looks like one', () => {
    expect(maskPhoneLike('delivered')).toBe('delivered');
    expect(maskPhoneLike('2025-01-01')).toBe('2025-01-01');
    expect(maskPhoneLike('+55 11 98765-4321')).toBe('+55119****4321');
  });

  it('ignores secrets too short to be secrets', () => {
    expect(secretScrubber(['abc'])('abc abc')).toBe('abc abc');
  });
});
