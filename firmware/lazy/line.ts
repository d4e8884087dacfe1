/*
 * Lazy module `lazy:line` (rollup.config.js, docs/MEMORY.md): the line protocol. The resident
 * core loads it for the first line client and drops it when the last has gone and no UDP push
 * runs. The commands are a lazy module loaded for each line (lazy:line-cmd); UDP push and FETCH
 * are lazy modules loaded by the first command that needs them. The control token is read from
 * Storage when the module loads.
 */
import { load as loadCommands } from "lazy:line-cmd";
import { load as loadFetch } from "lazy:fetch";
import { load as loadPush } from "lazy:push";
import { consoleLog } from "../platform/console.ts";
import { timers } from "../platform/timers.ts";
import { readToken } from "../platform/token-store.ts";
import type { Resident, ResidentService } from "../platform/types.ts";
import { TokenAuth } from "../services/auth.ts";
import { LINE_CLIENT_VARS, LINE_IDLE_MS, LineServer } from "../services/line-server.ts";
import type { DeviceView } from "../services/device-view.ts";
import { ServiceSlot } from "../services/service-slot.ts";

/** The line protocol as service `k` of the core, on its device view (r.dev_); `fixed` sockets are never for clients. */
export function start(r: Resident, k: number, fixed: number): ResidentService {
  const v = new ServiceSlot(r, k, fixed);
  const d = r.dev_ as DeviceView;
  v.in_ = new LineServer({
    port: 0,
    log: consoleLog,
    device: d,
    budget: v,
    auth: new TokenAuth(readToken()),
    timers: timers,
    push: function () {
      return new (loadPush().UdpPush)(r.udp_, d, timers, consoleLog);
    },
    fetch: function () {
      const m = loadFetch();
      return new m.FetchService(m.httpGetter, v, timers, consoleLog, m.FETCH_TIMEOUT_MS, m.FETCH_MAX_BYTES);
    },
    idleMs: LINE_IDLE_MS,
    clientVars: LINE_CLIENT_VARS,
    commands: function () {
      return loadCommands().runLine;
    },
  });
  return v;
}
