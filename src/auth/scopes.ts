/**
 * What an API key may do. Scopes are independent on purpose: a key that manages keys and reads the
 * audit log (`admin`) does not also send SMS unless it is given `messages:send`.
 */
export const SCOPES = ['messages:send', 'messages:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who a request acts as, once its API key has been recognised. */
export interface Principal {
  /** `apikey:<8-hex fingerprint>` for bootstrap keys from API_KEYS, `apikey:<id>` for stored keys. */
  actor: string;
  scopes: readonly Scope[];
  /** Set for stored keys only. */
  keyId?: string;
  /** ROOT_PROJECT for keys from API_KEYS (and stored keys created before projects existed). */
  projectId: string;
}
