import { test } from "node:test";
import assert from "node:assert/strict";
import { errorBody, escapeHtml, etagMatches, reasonPhrase, responseHead } from "../../../lib/http/response.ts";

test("every status the server answers has its real reason phrase", () => {
  const want: Record<number, string> = {
    200: "OK", 204: "No Content", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required", 413: "Content Too Large",
    414: "URI Too Long", 431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
  };
  for (const [code, text] of Object.entries(want)) assert.equal(reasonPhrase(Number(code)), text, code);
  assert.equal(reasonPhrase(299), "");
});

test("a head has the status line, type, length, extra lines and Connection: close", () => {
  assert.equal(
    responseHead(405, "application/json", 10, "Allow: GET, HEAD\r\n"),
    "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: 10\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n",
  );
});

test("a head without type or length leaves them out", () => {
  assert.equal(responseHead(304, "", -1, 'ETag: "x"\r\n'), 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nConnection: close\r\n\r\n');
});

test("error bodies are JSON for the API and HTML otherwise", () => {
  assert.deepEqual(JSON.parse(errorBody(404, true)), { error: 404, message: "Not Found" });
  assert.match(errorBody(404, false), /<h1>404 Not Found<\/h1>/);
});

test("If-None-Match matches a listed, weak or wildcard ETag only", () => {
  assert.equal(etagMatches('"a1", "b2"', '"b2"'), true);
  assert.equal(etagMatches('W/"b2"', '"b2"'), true);
  assert.equal(etagMatches("*", '"b2"'), true);
  assert.equal(etagMatches('"a1"', '"b2"'), false);
  assert.equal(etagMatches("", '"b2"'), false);
});

test("escapeHtml escapes the five special characters", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});
