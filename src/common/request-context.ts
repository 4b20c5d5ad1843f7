/**
 * Who is acting and under which request id: what every audit entry needs. A plain shape, so the
 * services that take it depend on no HTTP layer (auth fills it in from the request).
 */
export interface RequestContext {
  actor: string;
  requestId?: string;
}
