import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; data: Record<string, unknown> & { messageId: string } };
}

/** A webhook receiver on a fixed port that a test can stop (connections refused) and start again. */
export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  status = 200;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.posts.push({ path: req.url ?? '', headers: req.headers, body, event: JSON.parse(body) as ReceivedPost['event'] });
        res.writeHead(this.status, { 'content-type': 'text/plain' }).end(this.status < 300 ? 'ok' : 'not now');
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
    this.server = undefined;
  }

  of(messageId: string): ReceivedPost[] {
    return this.posts.filter((post) => post.event.data.messageId === messageId);
  }

  /** Verified with the Standard Webhooks library, as a receiver would; throws when it does not verify. */
  static verify(post: ReceivedPost, secret: string): unknown {
    return new Webhook(secret).verify(post.body, post.headers as Record<string, string>);
  }
}
