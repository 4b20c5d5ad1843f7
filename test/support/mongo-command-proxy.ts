import type { Socket } from 'node:net';
import { BSON } from 'mongodb';
import { TcpProxy } from './tcp-proxy';

const OP_MSG = 2013;
const HEADER = 16;

/** A command the app sends to the store: its name (`insert`) and, for most, its collection. */
export interface CommandMatch {
  command: string;
  collection?: string;
}

/**
 * When to cut the store off around a matched command: `before-reply`, the store has done it but the
 * app never hears (the outcome unknown to it); `after-reply`, the app has its answer and the next
 * write fails (a cut between two writes).
 */
export type CutMoment = 'before-reply' | 'after-reply';

interface Rule extends CommandMatch {
  act(connection: Connection, requestId: number): void;
}

interface Connection {
  client: Socket;
  upstream: Socket;
  /** Frames from the app kept back while a command is held. */
  held?: Buffer[];
}

/** Splits a byte stream into wire-protocol messages (each starts with its int32 length). */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const length = pending.readInt32LE(0);
      onFrame(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

/** The command an OP_MSG carries: the first key of its body and that key's value. */
function commandOf(frame: Buffer): { command: string; target: unknown } | undefined {
  if (frame.readInt32LE(12) !== OP_MSG || frame[HEADER + 4] !== 0) return undefined;
  const bodyStart = HEADER + 5;
  const body = BSON.deserialize(frame.subarray(bodyStart, bodyStart + frame.readInt32LE(bodyStart)));
  const [command] = Object.keys(body);
  return command === undefined ? undefined : { command, target: body[command] };
}

/**
 * A TcpProxy in front of the store that reads the app's commands, to cut or hold it at an exact
 * moment (after a given insert, say) instead of at a time a test guesses.
 */
export class MongoCommandProxy extends TcpProxy {
  private readonly rules: Rule[] = [];
  /** Replies awaited to matched commands, by the command's requestID. */
  private readonly awaitingReply = new Map<number, (connection: Connection, reply: Buffer) => void>();

  /** Cuts every connection at `moment` of the next command that matches; resolves once cut. */
  cutAtCommand(match: CommandMatch, moment: CutMoment): Promise<void> {
    return new Promise((resolve) => this.rules.push({
      ...match,
      act: (_, requestId) => this.awaitingReply.set(requestId, (connection, reply) => {
        if (moment === 'before-reply') return resolve(this.cut());
        connection.client.write(reply, () => resolve(this.cut()));
      }),
    }));
  }

  /** Keeps the next matching command (and what follows on its connection) from the store until released. */
  hold(match: CommandMatch): Promise<() => void> {
    return new Promise((resolve) => this.rules.push({
      ...match,
      act: (connection) => {
        connection.held = [];
        resolve(() => {
          const frames = connection.held ?? [];
          connection.held = undefined;
          for (const frame of frames) connection.upstream.write(frame);
        });
      },
    }));
  }

  protected override forward(client: Socket, upstream: Socket): void {
    const connection: Connection = { client, upstream };
    client.on('data', framer((frame) => this.fromApp(connection, frame)));
    upstream.on('data', framer((frame) => this.fromStore(connection, frame)));
  }

  private fromApp(connection: Connection, frame: Buffer): void {
    const seen = commandOf(frame);
    const index = seen ? this.rules.findIndex((rule) => rule.command === seen.command && (rule.collection === undefined || rule.collection === seen.target)) : -1;
    if (index >= 0) {
      const [rule] = this.rules.splice(index, 1);
      rule.act(connection, frame.readInt32LE(4));
    }
    if (connection.held) connection.held.push(frame);
    else connection.upstream.write(frame);
  }

  private fromStore(connection: Connection, frame: Buffer): void {
    const onReply = this.awaitingReply.get(frame.readInt32LE(8));
    if (!onReply) return void connection.client.write(frame);
    this.awaitingReply.delete(frame.readInt32LE(8));
    onReply(connection, frame);
  }
}
