import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { AppConfig } from '../config/app-config';
import { checkUrlForm, safeLookup, UrlRules } from './url-safety';

/** What is kept of a receiver's answer: enough to see why it refused, never its whole body. */
const EXCERPT_BYTES = 256;

export interface SendResult {
  ok: boolean;
  statusCode?: number;
  latencyMs: number;
  error?: string;
  responseExcerpt?: string;
}

/** A signer per secret: building one decodes the secret, which every post would repeat. */
const signers = new Map<string, Webhook>();

function signerOf(secret: string): Webhook {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size > 1000) signers.clear();
    signer = new Webhook(secret);
    signers.set(secret, signer);
  }
  return signer;
}

/** `webhook-signature` per Standard Webhooks: one `v1,<sig>` per secret, space-separated (several while a secret rolls). */
export function signatureOf(secrets: string[], id: string, timestamp: Date, body: string): string {
  return secrets.map((secret) => signerOf(secret).sign(id, timestamp, body)).join(' ');
}

/**
 * Posts one signed event. A short timeout, no redirect followed (a 3xx is a failure: the receiver
 * should give its final URL), the address checked again at connect time (url-safety.ts), and at
 * most EXCERPT_BYTES of the answer read. Success is any 2xx.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  /**
   * Connections kept open between deliveries: a receiver gets several events per message, and a
   * new connection (and TLS handshake) for each cost the API more than the post itself. A kept
   * socket was checked by the safe lookup when it connected.
   */
  private readonly agents = { 'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }), 'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

  constructor(private readonly config: AppConfig) {}

  onApplicationShutdown(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }

  private get rules(): UrlRules {
    return { allowLocal: this.config.webhooks.allowLocal };
  }

  async send(url: string, secrets: string[], event: { id: string }, body: string): Promise<SendResult> {
    const started = Date.now();
    try {
      const target = checkUrlForm(url, this.rules);
      // Signed at send time (the timestamp receivers check against replays is now), over the exact bytes sent.
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const headers = {
        'content-type': 'application/json', 'user-agent': 'NotifyX-Webhooks/1', 'webhook-id': event.id,
        'webhook-timestamp': String(now.getTime() / 1000), 'webhook-signature': signatureOf(secrets, event.id, now, body),
      };
      const answer = await this.post(target, headers, body);
      return { ...answer, ok: answer.statusCode! >= 200 && answer.statusCode! < 300, latencyMs: Date.now() - started };
    } catch (error) {
      return { ok: false, latencyMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private post(url: URL, headers: Record<string, string>, body: string): Promise<{ statusCode: number; responseExcerpt?: string }> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeout = this.config.webhooks.timeoutMs;
    return new Promise((resolve, reject) => {
      const agent = this.agents[url.protocol as 'http:' | 'https:'];
      const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent, lookup: safeLookup(this.rules), timeout }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= EXCERPT_BYTES) res.destroy();
        });
        const done = () => resolve({ statusCode: res.statusCode ?? 0, responseExcerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8') || undefined });
        res.on('end', done);
        res.on('close', done);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
