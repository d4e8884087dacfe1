/* A sample of the device now (READ, a stream's tick, a UDP push frame), numbered `seq` by its caller. */
import type { Device, Sample } from "./contracts.ts";

export function takeSample(d: Device, seq: number): Sample {
  return { seq: seq, ms: d.uptimeMs(), a0: d.readA0(), free: d.freeVars(), led: d.led() };
}
