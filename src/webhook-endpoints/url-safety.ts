import ipaddr from 'ipaddr.js';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { lookup as lookupCallback } from 'node:dns';

/**
 * Server-side request forgery: a webhook URL is the sender's to choose, so NotifyX must not be made
 * to post to its own network. Outside sandbox mode a URL must be https and every address its host
 * resolves to must be public: checked when an endpoint is saved, and again when connecting (the
 * name may resolve elsewhere by then: DNS rebinding), through the socket's own lookup.
 */
export class UnsafeUrlError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnsafeUrlError';
  }
}

/** Cloud metadata services that sit on ordinary-looking addresses (the link-local ones are refused anyway). */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'metadata.azure.internal']);

/** Why this address may not be posted to; undefined when it is a public unicast address. */
export function refusedAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const normal = parsed.toNormalizedString();
  if (METADATA_ADDRESSES.has(normal) || METADATA_ADDRESSES.has(address)) return `${address} is a cloud metadata address`;
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  const names: Record<string, string> = {
    loopback: 'a loopback', private: 'a private', linkLocal: 'a link-local', uniqueLocal: 'a private (unique local)',
    unspecified: 'an unspecified', carrierGradeNat: 'a shared (carrier-grade NAT)',
  };
  return `${address} is ${names[range] ?? `a reserved (${range})`} address`;
}

export interface UrlRules {
  /** Sandbox mode: http and local addresses allowed (tests, a local receiver). */
  allowLocal: boolean;
}

/** Checks a URL's form; throws UnsafeUrlError naming the rule it breaks. */
export function checkUrlForm(url: string, rules: UrlRules): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsafeUrlError('must be an absolute URL');
  }
  if (parsed.username || parsed.password) throw new UnsafeUrlError('must not carry a user or password');
  if (rules.allowLocal) {
    if (!['http:', 'https:'].includes(parsed.protocol)) throw new UnsafeUrlError('must be http or https');
    return parsed;
  }
  if (parsed.protocol !== 'https:') throw new UnsafeUrlError('must be https');
  if (METADATA_HOSTS.has(parsed.hostname.toLowerCase())) throw new UnsafeUrlError(`${parsed.hostname} is a cloud metadata host`);
  return parsed;
}

/** The form, then every address the host resolves to (when the endpoint is saved). */
export async function checkUrl(url: string, rules: UrlRules, resolve = lookup): Promise<void> {
  const parsed = checkUrlForm(url, rules);
  if (rules.allowLocal) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host) ? [{ address: host }] : await resolve(host, { all: true }).catch(() => {
    throw new UnsafeUrlError(`host ${host} does not resolve`);
  });
  for (const { address } of addresses) {
    const refused = refusedAddress(address);
    if (refused) throw new UnsafeUrlError(`resolves to ${refused}`);
  }
}

/** A socket lookup that refuses what checkUrl refuses, for the connection itself. */
export function safeLookup(rules: UrlRules): LookupFunction | undefined {
  if (rules.allowLocal) return undefined;
  return (hostname, options, callback) => {
    lookupCallback(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as unknown as { address: string; family: number }[];
      const refused = list.map(({ address }) => refusedAddress(address)).find(Boolean);
      if (refused) return callback(new UnsafeUrlError(`resolves to ${refused}`), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}
