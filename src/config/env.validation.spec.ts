import { validateEnv } from './env.validation';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/notifyx',
  RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'secret',
  TWILIO_PHONE_NUMBER: '+15005550006',
  API_KEYS: 'one, two ,',
  TWILIO_SANDBOX: 'true',
  TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
};

describe('validateEnv', () => {
  it('applies defaults and parses lists and numbers', () => {
    const env = validateEnv({ ...valid, SMS_PREFETCH: '25' });
    expect(env).toMatchObject({
      PORT: 3000, RABBITMQ_SMS_QUEUE: 'notifyx.sms', DEFAULT_COUNTRY: 'BR', SMS_PREFETCH: 25, API_KEYS: ['one', 'two'],
    });
  });

  it('stops the start naming every bad or missing variable', () => {
    const { MONGODB_URI: _m, ...withoutMongo } = valid;
    const attempt = () => validateEnv({ ...withoutMongo, TWILIO_ACCOUNT_SID: 'nope', PORT: 'eighty', DEFAULT_COUNTRY: 'XX' });
    expect(attempt).toThrow(/^Invalid environment/);
    const text = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return String(error);
      }
    })();
    for (const name of ['MONGODB_URI', 'TWILIO_ACCOUNT_SID', 'PORT', 'DEFAULT_COUNTRY']) expect(text).toContain(name);
    expect(text).not.toContain('RABBITMQ_URL');
  });

  it('treats an empty variable as missing', () => {
    expect(() => validateEnv({ ...valid, API_KEYS: '' })).toThrow(/API_KEYS/);
    expect(() => validateEnv({ ...valid, TWILIO_AUTH_TOKEN: '' })).toThrow(/TWILIO_AUTH_TOKEN/);
  });

  it('reads the rate-limit, Redis and HTTP hardening settings', () => {
    expect(validateEnv(valid)).toMatchObject({
      THROTTLE_BURST_LIMIT: 20, THROTTLE_BURST_TTL_MS: 1000, REDIS_KEY_PREFIX: 'notifyx:', HTTP_BODY_LIMIT: '256kb',
    });
    expect(validateEnv(valid).REDIS_URL).toBeUndefined();
    expect(validateEnv(valid).CORS_ORIGINS).toBeUndefined();
    const env = validateEnv({ ...valid, REDIS_URL: 'redis://cache:6379', CORS_ORIGINS: 'https://a.example.com/, http://localhost:5173' });
    expect(env.CORS_ORIGINS).toEqual(['https://a.example.com', 'http://localhost:5173']);
    for (const [name, value] of [['REDIS_URL', 'http://cache'], ['CORS_ORIGINS', '*'], ['CORS_ORIGINS', 'https://a.example.com/app'], ['HTTP_BODY_LIMIT', 'lots']]) {
      expect(() => validateEnv({ ...valid, [name]: value })).toThrow(new RegExp(name));
    }
  });

  it('reads the metrics settings: no token and no worker listener unless set', () => {
    expect(validateEnv(valid)).toMatchObject({ WORKER_METRICS_HOST: '127.0.0.1' });
    expect(validateEnv(valid).METRICS_TOKEN).toBeUndefined();
    expect(validateEnv(valid).WORKER_METRICS_PORT).toBeUndefined();
    expect(validateEnv({ ...valid, METRICS_TOKEN: 'a-long-enough-token', WORKER_METRICS_PORT: '9464' }))
      .toMatchObject({ METRICS_TOKEN: 'a-long-enough-token', WORKER_METRICS_PORT: 9464 });
    for (const [name, value] of [['METRICS_TOKEN', 'short'], ['METRICS_TOKEN', 'has a space in it!!'], ['WORKER_METRICS_PORT', '70000']]) {
      expect(() => validateEnv({ ...valid, [name]: value })).toThrow(new RegExp(name));
    }
  });

  it('reads RabbitMQ: one URL or a cluster\'s nodes comma-separated, and the queue type', () => {
    expect(validateEnv(valid)).toMatchObject({ RABBITMQ_URL: ['amqp://guest:guest@127.0.0.1:5672'], RABBITMQ_QUEUE_TYPE: 'classic' });
    const cluster = validateEnv({ ...valid, RABBITMQ_URL: 'amqp://u:p@rabbit-1:5672, amqps://u:p@rabbit-2:5671,', RABBITMQ_QUEUE_TYPE: 'quorum' });
    expect(cluster).toMatchObject({ RABBITMQ_URL: ['amqp://u:p@rabbit-1:5672', 'amqps://u:p@rabbit-2:5671'], RABBITMQ_QUEUE_TYPE: 'quorum' });
    for (const [name, value] of [['RABBITMQ_URL', 'amqp://a:5672,http://b'], ['RABBITMQ_URL', ','], ['RABBITMQ_QUEUE_TYPE', 'stream']]) {
      expect(() => validateEnv({ ...valid, [name]: value })).toThrow(new RegExp(name));
    }
  });

  it('needs a sender: a phone number or a messaging service', () => {
    const { TWILIO_PHONE_NUMBER: _p, ...noSender } = valid;
    expect(() => validateEnv(noSender)).toThrow(/TWILIO_PHONE_NUMBER/);
    expect(validateEnv({ ...noSender, TWILIO_MESSAGING_SERVICE_SID: `MG${'b'.repeat(32)}` }).TWILIO_MESSAGING_SERVICE_SID).toBeDefined();
  });
});
