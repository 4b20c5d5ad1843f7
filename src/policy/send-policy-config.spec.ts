import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env.validation';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/notifyx',
  RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'secret',
  TWILIO_PHONE_NUMBER: '+15005550006',
  API_KEYS: 'one',
  TWILIO_SANDBOX: 'true',
  TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
};

/** AppConfig as the app builds it: validated values first, the raw environment behind them. */
function configOf(raw: Record<string, string>): AppConfig {
  const validated = validateEnv(raw) as unknown as Record<string, unknown>;
  const service = { get: (key: string) => validated[key] ?? raw[key] } as unknown as ConfigService;
  return new AppConfig(service as never);
}

describe('send policy and pace settings', () => {
  it('defaults: DEFAULT_COUNTRY only, mobile numbers only, 10 per number an hour, no daily cap, no pace cap', () => {
    const config = configOf({ ...valid, DEFAULT_COUNTRY: 'pt', ALLOWED_COUNTRIES: '' });
    expect(config.sendPolicy).toEqual({
      allowedCountries: ['PT'], allowedNumberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE'], recipientHourlyLimit: 10, dailySegmentCap: 0,
    });
    expect(config.pace).toEqual({ maxMps: 0 });
  });

  it('reads lists case-insensitively, * as anything, and a fractional MPS', () => {
    const config = configOf({ ...valid, ALLOWED_COUNTRIES: 'br, pt', ALLOWED_NUMBER_TYPES: 'mobile,voip', TWILIO_MAX_MPS: '0.5' });
    expect(config.sendPolicy).toMatchObject({ allowedCountries: ['BR', 'PT'], allowedNumberTypes: ['MOBILE', 'VOIP'] });
    expect(config.pace.maxMps).toBe(0.5);
    expect(configOf({ ...valid, ALLOWED_COUNTRIES: '*', ALLOWED_NUMBER_TYPES: '*' }).sendPolicy).toMatchObject({
      allowedCountries: '*', allowedNumberTypes: '*',
    });
  });

  it('reads an empty variable (NAME= in .env) as unset, everywhere', () => {
    const config = configOf({ ...valid, PUBLIC_BASE_URL: '', REDIS_URL: '', TWILIO_MAX_MPS: '', PORT: '', ALLOWED_NUMBER_TYPES: '' });
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(config.redis.url).toBeUndefined();
    expect(config.pace).toEqual({ maxMps: 0 });
    expect(config.sendPolicy.allowedNumberTypes).toEqual(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
  });

  it('names bad values', () => {
    for (const [name, value] of [['ALLOWED_COUNTRIES', 'BR,XX'], ['ALLOWED_COUNTRIES', 'Brazil'], ['ALLOWED_NUMBER_TYPES', 'CELL'],
      ['RECIPIENT_HOURLY_LIMIT', '-1'], ['DAILY_SEGMENT_CAP', 'lots'], ['TWILIO_MAX_MPS', 'fast']]) {
      expect(() => validateEnv({ ...valid, [name]: value })).toThrow(new RegExp(name));
    }
  });
});
