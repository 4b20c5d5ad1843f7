import { PUBLISHED_API_KEYS } from './deployment-safety';
import { validateEnv } from './env.validation';

const STRONG_KEY = 'c1f0e9d8b7a6c5d4e3f2a1b0c9d8e7f6';

/** Live Twilio credentials and everything a live start needs. */
const live = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/notifyx',
  RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
  TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'a-live-auth-token',
  TWILIO_PHONE_NUMBER: '+15005550006',
  API_KEYS: STRONG_KEY,
  PUBLIC_BASE_URL: 'https://notifyx.example.com',
};

function problemsOf(env: Record<string, string>): string {
  try {
    validateEnv(env);
    return '';
  } catch (error) {
    return String(error);
  }
}

describe('a live start (TWILIO_SANDBOX unset)', () => {
  it('starts with strong keys, Twilio itself and an https PUBLIC_BASE_URL; listens on loopback', () => {
    expect(problemsOf(live)).toBe('');
    expect(validateEnv(live)).toMatchObject({ TWILIO_SANDBOX: false, HOST: '127.0.0.1' });
  });

  it.each(PUBLISHED_API_KEYS.map((key) => [key]))('refuses the published key %s, saying what to do', (key) => {
    expect(problemsOf({ ...live, API_KEYS: `${STRONG_KEY},${key}` })).toMatch(/API_KEYS: holds a key published .*openssl rand -hex 32/);
  });

  it('refuses a key shorter than 32 characters', () => {
    expect(problemsOf({ ...live, API_KEYS: `${STRONG_KEY}, ${'k'.repeat(31)}` })).toMatch(/API_KEYS: .*at least 32 characters/);
    expect(problemsOf({ ...live, API_KEYS: 'k'.repeat(32) })).toBe('');
  });

  it('refuses TWILIO_API_BASE_URL without the sandbox switch', () => {
    expect(problemsOf({ ...live, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010' })).toMatch(/TWILIO_API_BASE_URL: .*set TWILIO_SANDBOX=true/);
    expect(problemsOf({ ...live, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010', TWILIO_SANDBOX: 'false' })).toMatch(/TWILIO_API_BASE_URL/);
  });

  it.each([['http://notifyx.example.com'], ['']])('refuses PUBLIC_BASE_URL=%j: callbacks must come over https', (url) => {
    expect(problemsOf({ ...live, PUBLIC_BASE_URL: url })).toMatch(/PUBLIC_BASE_URL: .*https:\/\//);
  });

  it('names every problem at once', () => {
    const text = problemsOf({ ...live, API_KEYS: 'dev-key-change-me', TWILIO_API_BASE_URL: 'http://127.0.0.1:4010', PUBLIC_BASE_URL: '' });
    for (const name of ['API_KEYS', 'TWILIO_API_BASE_URL', 'PUBLIC_BASE_URL']) expect(text).toContain(`${name}:`);
  });
});

describe('the sandbox switch', () => {
  const sandbox = { ...live, TWILIO_SANDBOX: 'true', TWILIO_API_BASE_URL: 'http://127.0.0.1:4010', API_KEYS: 'dev-key-change-me', PUBLIC_BASE_URL: '' };

  it('allows published keys and plain http in the sandbox', () => {
    expect(problemsOf(sandbox)).toBe('');
    expect(validateEnv(sandbox).TWILIO_SANDBOX).toBe(true);
  });

  it('needs the sandbox URL, and is true or false only', () => {
    const { TWILIO_API_BASE_URL: _url, ...withoutUrl } = sandbox;
    expect(problemsOf(withoutUrl)).toMatch(/TWILIO_API_BASE_URL: TWILIO_SANDBOX=true needs the sandbox's URL/);
    expect(problemsOf({ ...sandbox, TWILIO_SANDBOX: 'yes' })).toMatch(/TWILIO_SANDBOX must be true or false/);
  });
});

describe('HOST and TRUST_PROXY', () => {
  it('reads HOST, and refuses what cannot be an address', () => {
    expect(validateEnv({ ...live, HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
    expect(problemsOf({ ...live, HOST: 'a b' })).toMatch(/HOST must be an address/);
  });

  it.each(['1', '10.0.0.0/8', 'loopback, 192.168.1.10', '::1', 'false'])('accepts TRUST_PROXY=%s', (value) => {
    expect(problemsOf({ ...live, TRUST_PROXY: value })).toBe('');
  });

  it.each(['true', '10.0.0.0/40', 'my-balancer', '1.2.3'])('refuses TRUST_PROXY=%s', (value) => {
    expect(problemsOf({ ...live, TRUST_PROXY: value })).toMatch(/TRUST_PROXY: .*never "true"/);
  });
});
