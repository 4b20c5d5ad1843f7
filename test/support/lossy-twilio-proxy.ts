import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Sits between the app and the Twilio sandbox and can lose Twilio's answer: the create reaches the
 * sandbox (which stores and sends the message) but the 201 never comes back, so the SDK times out.
 * That is the ambiguous failure the worker must settle by asking Twilio before sending again; the
 * sandbox's own `timeout` fault cannot show it, because it never stores the message.
 */
export class LossyTwilioProxy {
  /** Where requests go; set once the sandbox is up. */
  target = '';
  private server?: http.Server;
  private readonly held = new Set<Socket>();
  private readonly losses = new Map<string, { times: number; withoutCallbacks: boolean }>();
  /** Every request seen, as `METHOD To`: `POST +55…` for a create, `GET +55…` for a list filtered by To. */
  readonly requests: string[] = [];
  /** Answers lost so far, per recipient. */
  readonly lost = new Map<string, number>();

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /**
   * The next `times` successful creates for `to` reach Twilio, but their answers are dropped.
   * `withoutCallbacks` also strips their StatusCallback, as when Twilio cannot reach
   * PUBLIC_BASE_URL or its callbacks lag: then only asking Twilio can tell the text went out.
   */
  loseAnswers(to: string, times = 1, options: { withoutCallbacks?: boolean } = {}): void {
    this.losses.set(to, { times: (this.losses.get(to)?.times ?? 0) + times, withoutCallbacks: options.withoutCallbacks ?? false });
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const form = req.method === 'POST' ? new URLSearchParams(body.toString('utf8')) : undefined;
    const to = form?.get('To') ?? new URL(req.url ?? '/', 'http://proxy').searchParams.get('To') ?? '';
    this.requests.push(`${req.method ?? ''} ${to}`);
    const loss = this.losses.get(to);
    if (form && loss && loss.times > 0 && loss.withoutCallbacks) {
      // (a GET with To= never carries a form, so only creates get here)
      form.delete('StatusCallback');
      body = Buffer.from(form.toString());
    }
    const headers = { ...req.headers };
    delete headers.host;
    delete headers['content-length'];
    try {
      const upstream = await fetch(`${this.target}${req.url ?? '/'}`, {
        method: req.method, headers: headers as Record<string, string>, body: body.length > 0 ? body : undefined,
      });
      const text = await upstream.text();
      if (form && upstream.status === 201 && loss && loss.times > 0) {
        loss.times -= 1;
        this.lost.set(to, (this.lost.get(to) ?? 0) + 1);
        // Twilio took it; the answer is lost on the way back: hold the socket until the client gives up.
        this.held.add(req.socket);
        req.socket.once('close', () => this.held.delete(req.socket));
        return;
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20500, message: `lossy proxy: ${String(error)}`, status: 502 }));
    }
  }

  async close(): Promise<void> {
    for (const socket of this.held) socket.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
