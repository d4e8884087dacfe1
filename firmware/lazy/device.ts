/*
 * Lazy module `lazy:device` (docs/MEMORY.md): the device view the line and web services share
 * (services/device-view.ts), made by app.ts for the first of them and let go by the resident core
 * once neither is loaded.
 */
import type { Resident } from "../platform/types.ts";
import { DeviceView } from "../services/device-view.ts";

export function createDevice(r: Resident): DeviceView {
  return new DeviceView(r);
}
