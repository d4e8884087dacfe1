/* Lazy module `lazy:push` (docs/MEMORY.md): the device's UDP push, loaded by the first `UDP` command. */
export { UdpPush } from "../services/udp-push.ts";
