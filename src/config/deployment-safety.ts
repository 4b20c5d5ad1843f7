import { isIP } from 'node:net';
/** The settings these checks read (a subset of EnvDto, named here so the two files do not import each other). */
interface DeploymentSettings {
  TRUST_PROXY?: string;
  TWILIO_SANDBOX?: boolean;
  TWILIO_API_BASE_URL?: string;
  PUBLIC_BASE_URL?: string;
  API_KEYS?: unknown;
}

/** Long enough that guessing is hopeless (e.g. `openssl rand -hex 32` gives 64). */
export const MIN_LIVE_API_KEY_LENGTH = 32;

/**
 * API keys printed in this repository (README, .env.example, scripts/up.sh, the benchmarks and the
 * test support): anyone can read them, so they never open a deployment that sends real SMS.
 */
export const PUBLISHED_API_KEYS: readonly string[] = [
  'dev-key-change-me',
  'bench-api-key-with-enough-entropy',
  'test-api-key-with-enough-entropy',
  'second-test-api-key-with-entropy',
];

/** Express's own names for address ranges in `trust proxy`. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY as Express takes it: a hop count, or the proxies' addresses/subnets. `true` (trust
 * anyone's X-Forwarded-For) is refused: a client reaching the API directly could then pick the
 * address its rate limit and audit entries are counted under.
 */
export function parseTrustProxy(raw: string | undefined): false | number | string[] | Error {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.find((entry) => !PROXY_RANGE_NAMES.has(entry) && !isAddressOrSubnet(entry));
  if (bad === undefined) return entries;
  return new Error(
    `TRUST_PROXY: "${bad}" is not a hop count, an IP address, a subnet (10.0.0.0/8) or loopback/linklocal/uniquelocal; `
      + 'name your load balancers (never "true": any client could then choose its own address)',
  );
}

function isAddressOrSubnet(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * What must hold before real SMS go out. The sandbox (TWILIO_SANDBOX=true) is exempt; a live start
 * with a guessable key, the SDK pointed away from Twilio or callbacks over plain http is refused,
 * each problem naming its variable and what to do.
 */
export function deploymentProblems(env: DeploymentSettings): string[] {
  const proxy = parseTrustProxy(env.TRUST_PROXY);
  const problems = proxy instanceof Error ? [proxy.message] : [];
  if (env.TWILIO_SANDBOX === true) {
    if (!env.TWILIO_API_BASE_URL) {
      problems.push('TWILIO_API_BASE_URL: TWILIO_SANDBOX=true needs the sandbox\'s URL here (e.g. http://127.0.0.1:4010); without it the SDK would call api.twilio.com');
    }
    return problems;
  }
  return [...problems, ...liveProblems(env)];
}

function liveProblems(env: DeploymentSettings): string[] {
  const problems: string[] = [];
  const keys = Array.isArray(env.API_KEYS) ? env.API_KEYS : [];
  if (keys.some((key) => PUBLISHED_API_KEYS.includes(key))) {
    problems.push('API_KEYS: holds a key published in this project\'s README or scripts; with live Twilio credentials use your own random keys (e.g. openssl rand -hex 32)');
  } else if (keys.some((key) => key.length < MIN_LIVE_API_KEY_LENGTH)) {
    problems.push(`API_KEYS: with live Twilio credentials every key needs at least ${MIN_LIVE_API_KEY_LENGTH} characters; make them random (e.g. openssl rand -hex 32)`);
  }
  if (env.TWILIO_API_BASE_URL) {
    problems.push('TWILIO_API_BASE_URL: points the Twilio SDK away from api.twilio.com; unset it to send through Twilio, or set TWILIO_SANDBOX=true if it is the sandbox');
  }
  if (!env.PUBLIC_BASE_URL?.startsWith('https://')) {
    problems.push('PUBLIC_BASE_URL: with live Twilio credentials set it to the https:// URL Twilio reaches this API at (callbacks are signed against it), or set TWILIO_SANDBOX=true for a local run');
  }
  return problems;
}
