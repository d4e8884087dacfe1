/*
 * Parses an `http://host[:port][/path]` URL for FETCH. http only (the ESP8266 build has no TLS);
 * the host is a DNS name or IPv4 address of letters, digits, `-` and `.` (no user info, no IPv6);
 * the port is 1..65535 (default 80); the path is kept as is, `/` when absent, and must hold no
 * space or control byte. Returns null for anything else.
 */
import { find } from "./find.ts";
import { parsePort } from "./decimal.ts";

export interface HttpUrl {
  host: string;
  port: number;
  path: string;
}

function isHostChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46;
}

export function parseHttpUrl(url: string): HttpUrl | null {
  if (url.length < 8 || url.substring(0, 7).toLowerCase() !== "http://") return null;
  const rest = url.substring(7);
  let slash = rest.indexOf("/");
  if (slash < 0) slash = rest.length;
  const hostPort = rest.substring(0, slash);
  const path = slash < rest.length ? rest.substring(slash) : "/";
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 32 || c >= 127) return null;
  }
  const colon = hostPort.indexOf(":");
  const host = colon < 0 ? hostPort : hostPort.substring(0, colon);
  let port = 80;
  if (colon >= 0) {
    port = parsePort(hostPort.substring(colon + 1));
    if (port < 0) return null;
  }
  if (host.length === 0 || host.length > 63) return null;
  for (let i = 0; i < host.length; i++) {
    if (!isHostChar(host.charCodeAt(i))) return null;
  }
  if (host.charCodeAt(0) === 46 || host.charCodeAt(0) === 45 || find(host, "..") >= 0) return null;
  return { host: host, port: port, path: path };
}
