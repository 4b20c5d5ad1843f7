import { MessageStatus } from '../lifecycle/message-status';

/** A message as services see it: a plain object, no Mongoose in sight. */
export interface MessageRecord {
  id: string;
  to: string;
  from: string | null;
  body: string;
  segments: number;
  encoding: string;
  status: MessageStatus;
  sendAt?: Date;
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
  createdAt: Date;
  updatedAt: Date;
}

export interface NewMessage {
  /** Chosen before storing, so the outbox entry can be written first. */
  id?: string;
  sendAt?: Date;
  batchId?: string;
  to: string;
  from: string | null;
  body: string;
  segments: number;
  encoding: string;
  metadata?: Record<string, string>;
  createdBy: string;
  requestId?: string;
  producerId?: string;
}

export interface ProviderFailure {
  code?: number;
  message: string;
  description: string;
}
