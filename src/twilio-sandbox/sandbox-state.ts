import { setMaxListeners } from 'node:events';
import { FaultBook } from './faults';
import { StoredMessage } from './message-resource';

export interface ResolvedOptions {
  accountSid: string;
  authToken: string;
  latencyMs: number;
  callbackDelayMs: number;
  inboundWebhookUrl: string | null;
  controlToken: string;
}

/** Everything one sandbox instance remembers; shared by the Twilio API, the control API and delivery. */
export class SandboxState {
  /** Insertion-ordered, so listings can present creation order without sorting. */
  readonly messages = new Map<string, StoredMessage>();
  readonly faults = new FaultBook();
  private readonly pending = new Set<Promise<void>>();
  private activity = unboundedController();
  private readonly closing = unboundedController();

  constructor(readonly opts: ResolvedOptions) {}

  /** Aborted on reset and close, so timers and webhooks of an earlier test cannot leak into the next. */
  get signal(): AbortSignal {
    return this.activity.signal;
  }

  /** Aborted only by close(): work on behalf of a request still in flight survives a reset. */
  get closingSignal(): AbortSignal {
    return this.closing.signal;
  }

  /** Remembers background work so close() can wait for it instead of leaving open handles behind. */
  track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  reset(): void {
    this.cancelBackgroundWork();
    this.messages.clear();
    this.faults.clear();
  }

  async drain(): Promise<void> {
    this.closing.abort(new Error('twilio sandbox closed'));
    this.cancelBackgroundWork();
    await Promise.allSettled([...this.pending]);
  }

  private cancelBackgroundWork(): void {
    this.activity.abort(new Error('twilio sandbox reset'));
    this.activity = unboundedController();
  }
}

/** Every in-flight send and delivery listens on these signals: hundreds at once is normal, not a leak. */
function unboundedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
