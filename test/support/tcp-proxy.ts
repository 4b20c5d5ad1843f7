import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy the test controls, to take MongoDB or RabbitMQ away from the app and give it back
 * without touching the shared services. `cut()` drops every connection and refuses new ones.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private open = true;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Rewrites a URL's host:port to go through this proxy. */
  route(url: string): string {
    return url.replace(`${this.targetHost}:${this.targetPort}`, `127.0.0.1:${this.port}`);
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private pipe(client: Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    this.forward(client, upstream);
  }

  /** Carries bytes both ways; a subclass may look at them on the way (MongoCommandProxy). */
  protected forward(client: Socket, upstream: Socket): void {
    client.pipe(upstream).pipe(client);
  }
}
