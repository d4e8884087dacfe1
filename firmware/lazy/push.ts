/* Lazy module `lazy:push` (docs/MEMORY.md): the device's UDP push, loaded by the first `UDP` command. */
import { consoleLog } from "../platform/console.ts";
import { timers } from "../platform/timers.ts";
import type { Datagrams } from "../platform/types.ts";
import type { PushDevice } from "../services/contracts.ts";
import { UdpPush } from "../services/udp-push.ts";

/** The push, sending from `sock` (the echo service's UDP socket). */
export function createPush(sock: Datagrams, d: PushDevice): UdpPush {
  return new UdpPush(sock, d, timers, consoleLog);
}
