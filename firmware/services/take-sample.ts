/* A sample of the device now (a UDP push frame), numbered `seq` by its caller. */
import type { PushDevice, Sample } from "./contracts.ts";

export function takeSample(d: PushDevice, seq: number): Sample {
  return { seq: seq, ms: d.uptimeMs(), a0: d.readA0(), free: d.freeVars(), led: d.led() };
}
