/*
 * Lazy module `lazy:line` (rollup.config.js, docs/MEMORY.md): the line protocol. app.ts loads it
 * for the first line client and drops it when the last has gone and no UDP push runs. The
 * commands are a lazy module loaded for each line (lazy:line-cmd); UDP push and FETCH are lazy
 * modules loaded by the first command that needs them.
 */
import { load as loadCommands } from "lazy:line-cmd";
import { load as loadFetch } from "lazy:fetch";
import { load as loadPush } from "lazy:push";
import type { Datagrams, Log, Net, Timers } from "../platform/types.ts";
import { TokenAuth } from "../services/auth.ts";
import type { Device, SocketBudget } from "../services/contracts.ts";
import { LINE_CLIENT_VARS, LINE_IDLE_MS, LineServer } from "../services/line-server.ts";

export interface LineParts {
  net: Net;
  log: Log;
  device: Device;
  token: string | null;
  timers: Timers;
  udp: Datagrams;
}

/** The line server without its listening socket (port 0): the caller hands it each socket. */
export function createLine(p: LineParts, budget: SocketBudget): LineServer {
  return new LineServer({
    net: p.net,
    port: 0,
    log: p.log,
    device: p.device,
    budget: budget,
    auth: new TokenAuth(p.token),
    timers: p.timers,
    push: function () {
      return new (loadPush().UdpPush)(p.udp, p.device, p.timers, p.log);
    },
    fetch: function () {
      const m = loadFetch();
      return new m.FetchService(m.httpGetter, budget, p.timers, p.log, m.FETCH_TIMEOUT_MS, m.FETCH_MAX_BYTES);
    },
    idleMs: LINE_IDLE_MS,
    clientVars: LINE_CLIENT_VARS,
    commands: function () {
      return loadCommands().runLine;
    },
  });
}
