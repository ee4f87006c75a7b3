import ipaddr from 'ipaddr.js';
import type { Provider } from '@ops-cockpit/core';

/**
 * Where the worker may send a provider call. Pure: outbound-fetch.ts applies it to every call, before
 * connecting and again at every redirect, and checks the address a name resolves to when it connects.
 */

/** One allowed place: a bare host (https on 443, public addresses only) or an exact origin the operator named. */
export interface AllowEntry {
  protocol: 'http:' | 'https:';
  /** As URL.hostname writes it: lowercase, IPv6 in brackets. */
  hostname: string;
  /** As URL.port writes it: '' for the scheme's default. */
  port: string;
  /** Named by the operator as an exact origin: any address, private ones included, may be reached. */
  named: boolean;
}

/** Each provider's allowed places; a provider without an entry may call nowhere. */
export type OutboundPolicy = Partial<Record<Provider, readonly AllowEntry[]>>;

/** `apis.garmin.com` or `http://simulator:9400` (config.ts's hostListVar has checked the form). */
export function allowEntry(entry: string): AllowEntry {
  if (!entry.includes('://')) {
    return { protocol: 'https:', hostname: new URL(`https://${entry}`).hostname, port: '', named: false };
  }
  const url = new URL(entry);
  return {
    protocol: url.protocol as AllowEntry['protocol'],
    hostname: url.hostname,
    port: url.port,
    named: true,
  };
}

/** The entry allowing `url`, or undefined. Credentials in a URL are never sent anywhere. */
export function allowedBy(entries: readonly AllowEntry[], url: URL): AllowEntry | undefined {
  if (url.username || url.password) return undefined;
  return entries.find(
    (e) => e.protocol === url.protocol && e.hostname === url.hostname && e.port === url.port,
  );
}

/** `[::1]` → `::1`: URL.hostname keeps IPv6 brackets, address parsers do not take them. */
function bare(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** An IP literal host (`127.0.0.1`, `[::1]`; URL has already turned `2130706433` and `0x7f.0.0.1` into the first). */
export function isIpLiteral(hostname: string): boolean {
  return ipaddr.isValid(bare(hostname));
}

/**
 * Public unicast only: not loopback, private, link-local, carrier-grade NAT, unique-local, multicast,
 * unspecified or reserved space, and an IPv4-mapped IPv6 address is judged as its IPv4 address.
 */
export function isPublicAddress(address: string): boolean {
  const text = bare(address);
  if (!ipaddr.isValid(text)) return false;
  let parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/** The worker's settings the policy is built from (config.ts validates them). */
export interface OutboundSettings {
  STRAVA_API_URL?: string;
  POLAR_API_URL?: string;
  GARMIN_API_HOSTS: readonly string[];
  POLAR_API_HOSTS: readonly string[];
}

/**
 * The configured API bases are allowed as named origins (the operator chose them); Garmin's callbacks and any
 * later URL from a request only where the provider's *_API_HOSTS list says. Apple Health makes no calls.
 */
export function outboundPolicy(s: OutboundSettings): OutboundPolicy {
  const origin = (url: string | undefined) => (url ? [allowEntry(new URL(url).origin)] : []);
  return {
    strava: origin(s.STRAVA_API_URL),
    garmin: s.GARMIN_API_HOSTS.map(allowEntry),
    polar: [...s.POLAR_API_HOSTS.map(allowEntry), ...origin(s.POLAR_API_URL)],
    apple_health: [],
  };
}
