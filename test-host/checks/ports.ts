/*
 * Every TCP port of the board config accepts a connection (the console too, unless the board
 * turns it off after deploy). The UDP echo port is checked by echo.udp.
 */
import { connectTcp } from "../tcp.ts";
import type { ServiceName } from "../target.ts";
import type { Check } from "./context.ts";
import { fail } from "./context.ts";

const ports: Check = {
  name: "ports",
  async run(ctx) {
    const services: ServiceName[] = ["http", "echo", "line"];
    if (ctx.target.board.console !== "off") services.push("console");
    const ok: string[] = [];
    const bad: string[] = [];
    for (const s of services) {
      const ep = ctx.target.endpoint(s);
      try {
        const sock = await connectTcp(ep, 3000);
        sock.destroy();
        ok.push(`${s} ${ep.port}`);
      } catch (e) {
        bad.push((e as Error).message);
      }
    }
    if (bad.length) fail(bad.join("; "));
    return `open: ${ok.join(", ")}`;
  },
};

export const portChecks: Check[] = [ports];
