'use strict';
/**
 * A drain window measured the same way for NotifyX and for its floor (floor.js): the commands
 * are held in this process until the side's consumer is up and has settled, so start-up falls
 * outside the window; the window opens as they are published and closes once the store holds
 * every message `delivered`. Over it: creates per second (as the drain scenario counts them), and
 * per delivered message the CPU of the side's own processes, of FerretDB and PostgreSQL, and the
 * store requests by command.
 */
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const amqp = require('amqplib');
const { busiestSecond, perMessageDelta } = require('./drain');
const { round } = require('./http-load');
const { waitUntil } = require('./processes');

/** How often the store is asked, once every create is seen, whether every message is delivered. */
const DELIVERED_POLL_MS = 50;

/** Takes `count` commands off `queue` into memory (the API queued them), so they can be published once the consumer is ready. */
async function holdCommands(rabbitmqUrl, queue, count) {
  const connection = await amqp.connect(rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    const held = [];
    await new Promise((resolve) => {
      channel.consume(queue, (delivery) => {
        held.push({ content: delivery.content, properties: delivery.properties });
        if (held.length === count) resolve();
      }, { noAck: true });
    });
    return held;
  } finally {
    await connection.close();
  }
}

/** Publishes the held commands as they were (persistent, same properties), each confirmed by the broker. */
async function publishHeld(rabbitmqUrl, queue, held) {
  const connection = await amqp.connect(rabbitmqUrl);
  try {
    const channel = await connection.createConfirmChannel();
    for (const { content, properties } of held) {
      const options = Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined));
      channel.sendToQueue(queue, content, { ...options, persistent: true });
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** Counts the messages `delivered` in the store; each call is one aggregate request of this process's. */
function storeDelivered(messages) {
  return { count: () => messages.countDocuments({ status: 'delivered' }), storeCommand: 'aggregate' };
}

/**
 * One side's window. `cpu()`: CPU seconds of the side's processes by name. `delivered.count()`:
 * how many messages the side has recorded `delivered` (asked only once every create is seen);
 * `delivered.storeCommand`: the store command each ask costs, taken out of the side's requests.
 */
async function measureWindow({ tap, rabbitmqUrl, queue, held, cpu, delivered: asked, store, timeoutS }) {
  const count = held.length;
  tap.reset();
  const cpuBefore = { ...cpu(), ...store?.cpuSeconds() };
  const commandsBefore = await store?.commands().catch(() => undefined);
  const opened = performance.now();
  await publishHeld(rabbitmqUrl, queue, held);
  let polls = 0;
  let delivered = 0;
  let timedOut = false;
  try {
    const deadline = opened + timeoutS * 1000;
    await waitUntil(`${count} Twilio creates`, () => tap.creates.length >= count, timeoutS * 1000, 20);
    while (delivered < count) {
      if (performance.now() > deadline) throw new Error('timed out');
      polls += 1;
      delivered = await asked.count();
      if (delivered < count) await sleep(DELIVERED_POLL_MS);
    }
  } catch {
    // What was sent and delivered by then is still a rate: reported with timedOut.
    timedOut = true;
  }
  const closed = performance.now();
  const cpuAfter = { ...cpu(), ...store?.cpuSeconds() };
  const commandsAfter = await store?.commands().catch(() => undefined);
  if (asked.storeCommand && commandsAfter?.[asked.storeCommand] !== undefined) commandsAfter[asked.storeCommand] -= polls;
  const result = figures({ polls, count, times: tap.creates.map((c) => c.at).sort((a, b) => a - b), delivered, timedOut, opened, closed, cpuBefore, cpuAfter, commandsBefore, commandsAfter });
  // The window on this process's clock (performance.now()), for cutting CPU profiles to it.
  return { ...result, clockWindow: { from: opened, to: closed } };
}

function figures({ polls, count, times, delivered, timedOut, opened, closed, cpuBefore, cpuAfter, commandsBefore, commandsAfter }) {
  const n = times.length;
  const perDelivered = (key) => round(((cpuAfter[key] - cpuBefore[key]) * 1000) / delivered, 2);
  const processes = Object.keys(cpuBefore).filter((key) => !['ferretdb', 'postgres'].includes(key));
  const cpuMsPerMessage = Object.fromEntries(processes.map((key) => [key, perDelivered(key)]));
  return {
    messages: count, sent: n, delivered, timedOut, windowS: round((closed - opened) / 1000, 2),
    mps: round((n - 1) / ((times[n - 1] - times[0]) / 1000)), busiestSecond: busiestSecond(times),
    cpuMsPerMessage, ownCpuMsPerMessage: round(Object.values(cpuMsPerMessage).reduce((sum, v) => sum + v, 0), 2),
    ...(cpuBefore.ferretdb !== undefined ? { ferretdbCpuMsPerMessage: perDelivered('ferretdb'), postgresCpuMsPerMessage: perDelivered('postgres') } : {}),
    storeCommandsPerMessage: perMessageDelta(commandsBefore, commandsAfter, delivered),
    // The bench's asks whether all is delivered (left out of the store requests above).
    deliveredPolls: polls,
  };
}

module.exports = { holdCommands, measureWindow, storeDelivered };
