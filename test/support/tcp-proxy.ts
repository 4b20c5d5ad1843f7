import { createServer, Server, Socket, connect } from 'node:net';

/** One chunk on its way through the proxy: which accepted connection (1, 2, …), which way, and how far along. */
export interface Flow {
  connection: number;
  direction: 'up' | 'down';
  /** Bytes that went this way on this connection before this chunk. */
  bytesBefore: number;
}

export type CutPoint = (chunk: Buffer, flow: Flow) => boolean;

/**
 * A TCP proxy the test controls, to take MongoDB or RabbitMQ away from the app and give it back
 * without touching the shared services. `cut()` drops every connection and refuses new ones;
 * `cutAt()` drops them at an exact moment of the conversation and keeps accepting new ones.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private open = true;
  private accepted = 0;
  private pending?: { at: CutPoint; fired: () => void };
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

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  cut(): void {
    this.open = false;
    this.dropAll();
  }

  restore(): void {
    this.open = true;
  }

  /**
   * The first chunk for which `at` holds is not forwarded: every connection is dropped right then,
   * and the proxy goes on accepting. Resolves once that happened (so a test waits for the moment
   * itself, not for a time it hopes is long enough).
   */
  cutAt(at: CutPoint): Promise<void> {
    return new Promise((fired) => {
      this.pending = { at, fired };
    });
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private pipe(client: Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    this.accepted += 1;
    const connection = this.accepted;
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
    this.forward(client, upstream, connection);
  }

  /** Carries bytes both ways, cutting where `cutAt` said; a subclass may look at them on the way (MongoCommandProxy). */
  protected forward(client: Socket, upstream: Socket, connection: number): void {
    this.relay(client, upstream, { connection, direction: 'up', bytesBefore: 0 });
    this.relay(upstream, client, { connection, direction: 'down', bytesBefore: 0 });
  }

  private relay(from: Socket, to: Socket, flow: Flow): void {
    from.on('data', (chunk: Buffer) => {
      const pending = this.pending;
      if (pending?.at(chunk, { ...flow })) {
        this.pending = undefined;
        this.dropAll();
        pending.fired();
        return;
      }
      flow.bytesBefore += chunk.length;
      if (!to.destroyed) to.write(chunk);
    });
  }
}
