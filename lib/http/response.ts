/*
 * The response writer: status lines with their real reason phrases, and response heads that
 * always say `Connection: close` (one request per connection) and, when the length is known,
 * `Content-Length`. Also the small error bodies (HTML, or JSON for the API) and the ETag test.
 * Heads are short strings (a few hundred bytes at most); bodies are the caller's to stream.
 */
import { find } from "../find.ts";

/** The reason phrase of a status the server answers with ("" for another). */
export function reasonPhrase(status: number): string {
  // The usual answer without a search through the table (on Espruino, lexing and searching it cost more than the rest of the head).
  if (status === 200) return "OK";
  const t =
    "|200OK|204No Content|304Not Modified|400Bad Request|401Unauthorized|404Not Found|405Method Not Allowed" +
    "|408Request Timeout|411Length Required|413Content Too Large|414URI Too Long|431Request Header Fields Too Large" +
    "|500Internal Server Error|503Service Unavailable|";
  const i = t.indexOf("|" + status);
  return i < 0 ? "" : t.substring(i + 4, t.indexOf("|", i + 1));
}

/**
 * A response head: the status line, `Content-Type` when `type` is not "", `Content-Length` when
 * `length` >= 0, `extra` (ready-made header lines, each ending in CRLF), `Connection: close`.
 */
export function responseHead(status: number, type: string, length: number, extra: string): string {
  return (
    "HTTP/1.1 " + status + " " + reasonPhrase(status) + "\r\n" +
    (type ? "Content-Type: " + type + "\r\n" : "") +
    (length >= 0 ? "Content-Length: " + length + "\r\n" : "") +
    extra +
    "Connection: close\r\n\r\n"
  );
}

export const HTML_TYPE = "text/html; charset=utf-8";
export const JSON_TYPE = "application/json";

/** The body of an error answer: `{"error":404,"message":"Not Found"}`, or a small HTML page. */
export function errorBody(status: number, json: boolean): string {
  const text = status + " " + reasonPhrase(status);
  if (json) return '{"error":' + status + ',"message":"' + reasonPhrase(status) + '"}';
  return "<!doctype html><title>" + text + "</title><h1>" + text + '</h1><p><a href="/">Dashboard</a>';
}

/** True when an If-None-Match value matches `etag` (quoted), weakly, or is `*`. */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch === "" || etag === "") return false;
  return ifNoneMatch.trim() === "*" || find(ifNoneMatch, etag) >= 0;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
