import { startTwilioSandbox } from './sandbox-server';

/**
 * Standalone Twilio sandbox (`node dist/twilio-sandbox/main.js`) for local runs and e2e stacks:
 * point the app's Twilio base URL here and no real SMS leaves the machine.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`[twilio-sandbox] missing required environment variable ${name}\n`);
    process.exit(1);
  }
  return value;
}

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`[twilio-sandbox] ${name} must be a non-negative integer, got "${raw}"\n`);
    process.exit(1);
  }
  return value;
}

async function main(): Promise<void> {
  const sandbox = await startTwilioSandbox({
    accountSid: required('TWILIO_ACCOUNT_SID'),
    authToken: required('TWILIO_AUTH_TOKEN'),
    port: integer('TWILIO_SANDBOX_PORT', 4010),
    // Containers need 0.0.0.0 to be reachable from their neighbours; the library default stays loopback.
    host: process.env.TWILIO_SANDBOX_HOST || undefined,
    latencyMs: integer('TWILIO_SANDBOX_LATENCY_MS', 0),
    inboundWebhookUrl: process.env.TWILIO_SANDBOX_INBOUND_URL || undefined,
    // Unset: a random token nobody knows, so the control routes stay closed.
    controlToken: process.env.TWILIO_SANDBOX_CONTROL_TOKEN || undefined,
  });
  const control = process.env.TWILIO_SANDBOX_CONTROL_TOKEN ? 'open with TWILIO_SANDBOX_CONTROL_TOKEN' : 'closed (no TWILIO_SANDBOX_CONTROL_TOKEN)';
  process.stdout.write(`[twilio-sandbox] Twilio sandbox listening on ${sandbox.url}; control routes ${control}\n`);
  const shutdown = (): void => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`[twilio-sandbox] failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
