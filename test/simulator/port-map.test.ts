/* Ephemeral ports stay held from their reservation until the device listens there. */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { PortMap } from "../../simulator/port-map.ts";

function tryListen(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve("ok")));
  });
}

test("a reserved port cannot be taken by another program until the device listens on it", async () => {
  const map = new PortMap({ kind: "ephemeral" });
  await map.reserve([8080], "127.0.0.1");
  const port = map.resolve(8080);
  assert.ok(port > 0);
  assert.equal(await tryListen(port), "EADDRINUSE", "held");
  const got = await new Promise<string>((resolve) => map.listenOn(8080, (p) => tryListen(p).then(resolve)));
  assert.equal(got, "ok", "let go for the device's own listen");
  map.releaseAll();
});
