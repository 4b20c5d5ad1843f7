import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'rabbit-cluster.sh');
const run = promisify(execFile);

export interface QueueMembership {
  name: string;
  type: string;
  leader: string;
  members: string[];
  online: string[];
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Three AMQP ports in a row, and their distribution ports (+20000), all free now. */
async function freePortRun(): Promise<number> {
  for (let tries = 0; tries < 50; tries += 1) {
    const first = 6000 + 3 * Math.floor(Math.random() * 1000);
    const ports = [0, 1, 2].flatMap((i) => [first + i, first + i + 20000]);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return first;
  }
  throw new Error('no run of free ports found for a RabbitMQ cluster');
}

/**
 * A real three-node RabbitMQ cluster on this machine, through scripts/rabbit-cluster.sh (what a
 * user runs too). Nodes, ports and folders are this run's own; the machine's RabbitMQ is not touched.
 */
export class RabbitCluster {
  private constructor(private readonly env: NodeJS.ProcessEnv, readonly name: string, private readonly firstPort: number) {}

  static async start(): Promise<RabbitCluster> {
    const name = `notifyx-test-${randomBytes(3).toString('hex')}`;
    const firstPort = await freePortRun();
    const env = { ...process.env, RABBIT_CLUSTER_NAME: name, RABBIT_CLUSTER_PORT: String(firstPort) };
    const cluster = new RabbitCluster(env, name, firstPort);
    // Jest may end the process without afterAll (a failed hook, ^C): the nodes must not outlive it.
    process.once('exit', () => spawnSync('bash', [SCRIPT, 'stop'], { env, stdio: 'ignore' }));
    await cluster.script('start');
    return cluster;
  }

  /** Node n (1-3), as RabbitMQ names it. */
  node(n: number): string {
    return `${this.name}-${n}@localhost`;
  }

  url(n: number): string {
    return `amqp://guest:guest@127.0.0.1:${this.firstPort + n - 1}`;
  }

  /** Every node's URL, node `first` first: a process given this list connects there and fails over to the others. */
  urls(first = 1): string {
    return [0, 1, 2].map((i) => this.url(((first - 1 + i) % 3) + 1)).join(',');
  }

  async queues(): Promise<QueueMembership[]> {
    return JSON.parse(await this.script('queues')) as QueueMembership[];
  }

  async queue(name: string): Promise<QueueMembership> {
    const found = (await this.queues()).find((queue) => queue.name === name);
    if (!found) throw new Error(`queue ${name} is not declared on the cluster`);
    return found;
  }

  /** The number (1-3) of the node that leads `queue`. */
  async leaderOf(queue: string): Promise<number> {
    const { leader } = await this.queue(queue);
    return [1, 2, 3].find((n) => this.node(n) === leader) ?? Promise.reject(new Error(`unknown leader ${leader}`));
  }

  /** SIGKILL, as a crash or a power loss: no clean hand-over of leadership. */
  async kill(n: number): Promise<void> {
    await this.script('kill', String(n));
  }

  async stop(): Promise<void> {
    await this.script('stop');
  }

  private async script(...args: string[]): Promise<string> {
    const { stdout } = await run('bash', [SCRIPT, ...args], { env: this.env, timeout: 180_000 });
    return stdout;
  }
}
