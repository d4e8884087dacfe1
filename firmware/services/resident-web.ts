/*
 * The web server as a service of the resident core (platform/resident.ts): made by the lazy
 * module `lazy:web` when the first HTTP client connects, on the shared device view (its device
 * and history) and its own ServiceSlot (its socket budget), with the control token read from
 * Storage at that moment.
 */
import { CHUNK_SIZE, HAS_WIFI, SSE_LISTENERS } from "board-config";
import { consoleLog } from "../platform/console.ts";
import { createStorageFiles } from "../platform/storage-files.ts";
import { timers } from "../platform/timers.ts";
import { readToken } from "../platform/token-store.ts";
import type { Resident, ResidentService } from "../platform/types.ts";
import { createWifiSetup } from "../platform/wifi-setup.ts";
import { TokenAuth } from "./auth.ts";
import type { DeviceView } from "./device-view.ts";
import { ServiceSlot } from "./service-slot.ts";
import { createWebHandler } from "./web/web-server.ts";

/** The web server as service `k` of the core, on its device view (r.dev_); `fixed` sockets are never for clients. */
export function startWeb(r: Resident, k: number, fixed: number): ResidentService {
  const v = new ServiceSlot(r, k, fixed);
  const d = r.dev_ as DeviceView;
  v.in_ = createWebHandler({
    device: d,
    history: d,
    budget: v,
    auth: new TokenAuth(readToken()),
    storage: createStorageFiles(),
    wifi: createWifiSetup(HAS_WIFI, consoleLog),
    log: consoleLog,
    timers: timers,
    sseMax: SSE_LISTENERS,
    chunk: CHUNK_SIZE,
  });
  return v;
}
