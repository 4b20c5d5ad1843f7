import { contextOf, EventContext } from './status-event';

/**
 * Beyond this, the context stays out of Twilio's callback URL (metadata may be up to 10 kB) and the
 * event of that callback's change is completed from the message document instead.
 */
const MAX_PARAM_LENGTH = 1500;

/** The `ev` query parameter of a status callback URL: the message's event context. Twilio signs the URL whole. */
export function callbackContextParam(message: Parameters<typeof contextOf>[0]): { ev: string } | Record<string, never> {
  const context = contextOf(message);
  if (context.known === false) return {};
  const ev = Buffer.from(JSON.stringify(context)).toString('base64url');
  return ev.length <= MAX_PARAM_LENGTH ? { ev } : {};
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string');
}

/** What a context tells of its message, as the message's own fields. */
export type ContextFields = Omit<EventContext, 'known' | 'acceptedAt'> & { createdAt?: Date };

/** The fields of a basis a context gives (from a hint or a callback URL), only those of the right type. */
export function eventContextOf(context: EventContext | undefined): ContextFields {
  if (!context || typeof context.segments !== 'number') return {};
  return {
    segments: context.segments,
    ...(typeof context.producerId === 'string' ? { producerId: context.producerId } : {}),
    ...(isStringMap(context.metadata) ? { metadata: context.metadata } : {}),
    ...(typeof context.statusCallback === 'string' ? { statusCallback: context.statusCallback } : {}),
    ...(Number.isFinite(context.acceptedAt) ? { createdAt: new Date(context.acceptedAt!) } : {}),
  };
}

/** The context an `ev` parameter carries; nothing when absent or unreadable. */
export function contextFromParam(ev: string | undefined): ReturnType<typeof eventContextOf> {
  if (!ev) return {};
  try {
    return eventContextOf(JSON.parse(Buffer.from(ev, 'base64url').toString('utf8')) as EventContext);
  } catch {
    return {};
  }
}
