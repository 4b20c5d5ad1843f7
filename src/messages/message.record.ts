import { MessageStatus } from './message-status';
import { DispatchState } from './message.schema';

/** A message as services see it: a plain object, no Mongoose in sight. */
export interface MessageRecord {
  id: string;
  to: string;
  from: string | null;
  body: string;
  segments: number;
  encoding: string;
  status: MessageStatus;
  dispatch: DispatchState;
  history: { status: MessageStatus; at: Date; detail?: string }[];
  attempts: number;
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
