import type { Priority } from '../lanes/priority';
import { MessageStatus } from '../lifecycle/message-status';

/** A message as services see it: a plain object, no Mongoose in sight. */
export interface MessageRecord {
  id: string;
  to: string;
  from: string | null;
  body: string;
  segments: number;
  encoding: string;
  smartEncoding?: SmartEncodingResult;
  status: MessageStatus;
  sendAt?: Date;
  /** Not handed to Twilio by then, it ends `expired` (src/send-timing/expiry.ts). */
  expiresAt?: Date;
  /** The lane it waits in; absent on messages stored before lanes existed: normal. */
  priority?: Priority;
  batchId?: string;
  history: { status: MessageStatus; at: Date; detail?: string }[];
  attempts: number;
  /** How many status changes the document shows (src/lifecycle/status-log.ts); 1 when stored. */
  version: number;
  twilioSid?: string;
  errorCode?: number;
  errorMessage?: string;
  errorDescription?: string;
  metadata?: Record<string, string>;
  createdBy: string;
  requestId?: string;
  producerId?: string;
  /** Missing: the root project's (src/common/request-context.ts). */
  projectId?: string;
  /** Where this message's own events are posted (src/webhooks/), besides the endpoints. */
  statusCallback?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What smart encoding changed in a message's text: the segments and encoding it would have had. */
export interface SmartEncodingResult {
  segmentsBefore: number;
  encodingBefore: string;
  replaced: number;
}

export interface NewMessage {
  /** Chosen before storing, so the outbox entry can be written first. */
  id?: string;
  sendAt?: Date;
  expiresAt?: Date;
  priority?: Priority;
  batchId?: string;
  to: string;
  from: string | null;
  body: string;
  segments: number;
  encoding: string;
  /** Set when smart encoding was on for it. */
  smartEncoding?: SmartEncodingResult;
  metadata?: Record<string, string>;
  createdBy: string;
  requestId?: string;
  producerId?: string;
  /** Unset for the root project's messages. */
  projectId?: string;
  statusCallback?: string;
}

export interface ProviderFailure {
  code?: number;
  message: string;
  description: string;
}
