/*
 * The resident core: what the device holds for its whole life, written for the fewest variables
 * (docs/MEMORY.md). One object (Resident) holds the LED's state, the count of client sockets, the
 * ring of the last 60 samples and the services loaded now. A once-a-second interval samples A0,
 * the uptime, free memory and the LED into the ring and tells the services' device view (and
 * lets the view go once no service is loaded). Each TCP port
 * hands its sockets to one service, loaded for its first client by `load` (which returns a text
 * to send instead when there is too little memory to load it); a service lets go of itself after
 * its last client (services/service-slot.ts). UDP echo answers each datagram from here: it has no
 * state, so it costs one listener. Everything else is code in lazy modules, in RAM only while used.
 */
import { createRing, ringPush } from "../../lib/sample-ring.ts";
import { driveLed, readA0 } from "./pins.ts";
import type { EspruinoSocket } from "./socket-held.ts";
import { uptimeSince } from "./timers.ts";
import type { RemoteInfo, Resident, ResidentService, Socket } from "./types.ts";

/** Samples held (SPEC.md: the last 60, one a second). */
export const HISTORY_SIZE = 60;
export const SAMPLE_PERIOD_MS = 1000;

/**
 * Loads service `k` for its first client, with `free` variables free (after a collection);
 * returns the service, or what the refused client is sent.
 */
export type Loader = (k: number, r: Resident, free: number) => ResidentService | string;

/** Listens on `ports` (service k on ports[k]) and UDP echo on `udpPort`, and starts sampling. */
export function startResident(ports: number[], udpPort: number, load: Loader): Resident {
  const net = require("net");
  const ring = createRing(HISTORY_SIZE) as Resident;
  const r = ring;
  r.t0_ = getTime();
  r.led_ = 0;
  r.used_ = 0;
  r.svc_ = [];
  const u = require("dgram").createSocket("udp4");
  r.udp_ = u;
  r.wifi_ = "up";
  r.dev_ = null;
  driveLed(0);

  function accept(k: number, s: Socket): void {
    try {
      // Earlier parses and commands leave garbage that the free count would include, and both the
      // load below and the service's own check of free memory read it: collect it first.
      process.memory();
      // A peer that closed before this callback ran (the interpreter was busy, say loading
      // another service) has a socket Espruino already killed: its close was queued when it had
      // no listeners and will never come, so a service would count it for ever. Espruino removes
      // `sckt` from a killed socket.
      if ((s as EspruinoSocket).sckt === undefined) return;
      let v = r.svc_[k];
      if (v === null) {
        const got = load(k, r, process.memory(false).free);
        if (typeof got === "string") {
          s.end(got);
          return;
        }
        v = r.svc_[k] = got;
        process.memory();
      }
      v.accept(s);
      // A service that refused its first client holds nothing: let it go.
      if (v.n_ === 0 && !v.busy()) r.svc_[k] = null;
    } catch (e) {
      print("accept: " + e);
    }
  }

  function on(k: number): void {
    r.svc_.push(null);
    net.createServer(function (s: Socket) {
      accept(k, s);
    }).listen(ports[k]);
  }

  for (let k = 0; k < ports.length; k++) on(k);
  u.on("message", function (m: string, i: RemoteInfo) {
    try {
      u.send(m, i.port, i.address);
    } catch (e) {
      print("echo: udp " + e);
    }
  });
  u.bind(udpPort);
  setInterval(function () {
    const ms = uptimeSince(r.t0_);
    ringPush(r, ms, readA0(ms), process.memory(false).free, r.led_);
    const d = r.dev_;
    if (d === null) return;
    let loaded = 0;
    for (let k = 0; k < r.svc_.length; k++) if (r.svc_[k] !== null) loaded++;
    if (loaded === 0) r.dev_ = null;
    else {
      try {
        d.tick_();
      } catch (e) {
        print("sampler: " + e);
      }
    }
  }, SAMPLE_PERIOD_MS);
  return r;
}
