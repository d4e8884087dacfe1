/*
 * The sampler: one sample a second into a ring of the last 60 (typed arrays, lib/sample-ring.ts),
 * numbered from 1 at boot, shared by the web server through History. Subscribers get each new
 * sample; one that throws is logged and the others still get theirs.
 */
import { SampleRing } from "../../lib/sample-ring.ts";
import type { Device, History, Sample } from "./contracts.ts";
import type { Log, Timers } from "../platform/types.ts";

export const HISTORY_SIZE = 60;
export const SAMPLE_PERIOD_MS = 1000;

/** A sample of the device now, numbered `seq`. */
export function takeSample(d: Device, seq: number): Sample {
  return { seq: seq, ms: d.uptimeMs(), a0: d.readA0(), free: d.freeVars(), led: d.led() };
}

/** The ring itself (one object, and its forEach and size serve History directly: no wrappers). */
export class Sampler extends SampleRing implements History {
  private d_: Device;
  private subs_: Array<(s: Sample) => void>;
  private log_: Log;

  constructor(device: Device, log: Log) {
    super(HISTORY_SIZE);
    this.d_ = device;
    this.log_ = log;
    this.subs_ = [];
  }

  start(timers: Timers): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    timers.setInterval(function () { self.tick(); }, SAMPLE_PERIOD_MS);
  }

  /** Takes one sample now (the interval calls this once a second). */
  tick(): void {
    const d = this.d_;
    this.push(d.uptimeMs(), d.readA0(), d.freeVars(), d.led());
    const subs = this.subs_;
    if (subs.length === 0) return;
    const s = this.get(0) as Sample;
    for (let i = 0; i < subs.length; i++) {
      try {
        subs[i](s);
      } catch (e) {
        this.log_("sampler: subscriber failed: " + e);
      }
    }
  }

  subscribe(cb: (s: Sample) => void): () => void {
    this.subs_.push(cb);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Espruino: no arrow using `this` (docs/MEMORY.md)
    const self = this;
    return () => {
      const i = self.subs_.indexOf(cb);
      if (i >= 0) self.subs_.splice(i, 1);
    };
  }
}
