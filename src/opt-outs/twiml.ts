const XML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  // XML 1.0 cannot carry most control characters, not even escaped: they are dropped.
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/[&<>"']/g, (char) => XML_ENTITIES[char]);
}

/** The TwiML answer to an inbound message: one reply SMS, or `<Response/>` for none (sent as UTF-8). */
export function twimlResponse(reply?: string): string {
  return reply === undefined ? '<Response/>' : `<Response><Message>${escapeXml(reply)}</Message></Response>`;
}
