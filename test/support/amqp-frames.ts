import type { CutPoint, Flow } from './tcp-proxy';

/** AMQP 0-9-1 methods a client sends, by name, as (class id, method id) in the spec. */
const CLIENT_METHODS = {
  'connection.start-ok': [10, 11],
  'connection.tune-ok': [10, 31],
  'connection.open': [10, 40],
  'channel.open': [20, 10],
  'confirm.select': [85, 10],
  'queue.declare': [50, 10],
  'basic.qos': [60, 10],
  'basic.consume': [60, 20],
  'basic.publish': [60, 40],
  'basic.ack': [60, 80],
} as const;

export type ClientMethod = keyof typeof CLIENT_METHODS;

const PROTOCOL_HEADER_LENGTH = 8;
const FRAME_METHOD = 1;
/** type (1) + channel (2) + size (4) before the payload, frame-end (1) after it. */
const FRAME_OVERHEAD = 8;

/** Reads the method frames out of one direction of one connection, however the bytes are chunked. */
class MethodReader {
  private buffered = Buffer.alloc(0);
  private headerLeft = PROTOCOL_HEADER_LENGTH;

  read(chunk: Buffer): [number, number][] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const skipped = Math.min(this.headerLeft, this.buffered.length);
    this.buffered = this.buffered.subarray(skipped);
    this.headerLeft -= skipped;
    const methods: [number, number][] = [];
    while (this.buffered.length >= FRAME_OVERHEAD - 1) {
      const size = this.buffered.readUInt32BE(3);
      if (this.buffered.length < size + FRAME_OVERHEAD) break;
      if (this.buffered[0] === FRAME_METHOD) methods.push([this.buffered.readUInt16BE(7), this.buffered.readUInt16BE(9)]);
      this.buffered = this.buffered.subarray(size + FRAME_OVERHEAD);
    }
    return methods;
  }
}

/** A cut point for TcpProxy.cutAt: the `nth` time (counted over every connection) the client sends `method`. */
export function whenClientSends(method: ClientMethod, nth = 1): CutPoint {
  const [classId, methodId] = CLIENT_METHODS[method];
  const readers = new Map<number, MethodReader>();
  let seen = 0;
  return (chunk: Buffer, flow: Flow) => {
    if (flow.direction !== 'up') return false;
    const reader = readers.get(flow.connection) ?? new MethodReader();
    readers.set(flow.connection, reader);
    seen += reader.read(chunk).filter(([c, m]) => c === classId && m === methodId).length;
    return seen >= nth;
  };
}
