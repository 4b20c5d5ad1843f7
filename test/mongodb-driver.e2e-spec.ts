import { MongoClient } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { testServiceUrls } from './support/services';

/**
 * patches/mongodb+7.8.0.patch, on the real store. The driver (7.8 and 7.9.1 alike) serialises a
 * command, then writes it and waits for 'drain' when the write was not taken at once. A socket that
 * closed during the serialising takes the write silently and never drains, so the command never
 * settles. When that command is the server monitor's check (a store that went away, on a busy
 * process), the monitor stops for good: the driver never sees the store again, and the API answered
 * 503 until restarted (the intermittent test/outage failure).
 *
 * This reaches into the driver's internals on purpose: it is the driver's own code path that is
 * patched. When the driver is upgraded, patch-package refuses the old patch; this spec then tells
 * whether the new version still needs it.
 */
describe('mongodb driver patch', () => {
  let client: MongoClient;

  beforeAll(async () => {
    client = await new MongoClient(testServiceUrls().mongodbUri).connect();
  });
  afterAll(async () => {
    await client?.close();
  });

  it('fails a command whose socket closed while it was being written, instead of waiting forever', async () => {
    const { connect } = require('mongodb/lib/cmap/connect');
    const { ns } = require('mongodb/lib/utils');
    const server = [...(client as unknown as { topology: { s: { servers: Map<string, { monitor: { connectOptions: object } }> } } })
      .topology.s.servers.values()][0];
    // A connection made exactly as the monitor makes its own.
    const connection = await connect(server.monitor.connectOptions);
    expect(await connection.command(ns('admin.$cmd'), { ping: 1 }, {})).toMatchObject({ ok: 1 });

    // The peer goes away; the driver has not handled the 'close' yet when the next command starts.
    connection.socket.destroy();
    const outcome = await Promise.race([
      connection.command(ns('admin.$cmd'), { ping: 1 }, {}).then(() => 'answered', (error: Error) => error.name),
      sleep(3000).then(() => 'still waiting after 3 s'),
    ]);
    expect(outcome).toBe('MongoNetworkError');
    expect(connection.closed).toBe(true);
  });
});
