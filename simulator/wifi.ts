/*
 * Espruino's `Wifi` on the ESP8266 as a state machine over simulated networks
 * (simulator/README.md, "What it reproduces"). The radio state lives as long as the simulator
 * (reset() does not drop the link); the module object and its listeners belong to one interpreter
 * life.
 *
 * Reproduced: connect(ssid, {password}, cb(err)) with "bad_password" / "no_ap_found", cb(null)
 * straight away when already connected to the same network, events `associated{ssid,mac,channel}`,
 * `connected{ip,mask,gw}` (key `mask`), `disconnected{ssid,mac,reason}`; disconnect, startAP
 * (password of 8+ chars), stopAP, getIP/getAPIP ({ip,netmask,gw,mac}, cb(null, info)), getStatus,
 * getDetails (rssi), scan(cb(list)) with ONE argument, save()/save("clear")/restore() through the
 * Storage file `.wificfg`, getHostname/setHostname. The SDK's automatic reconnect: after a drop,
 * the station reconnects by itself when the network comes back.
 * Modelled: timings (association 100 ms, DHCP 50 ms, scan 300 ms), the station's IP is the
 * simulator's bind address (where the device can really be reached), `.wificfg`'s format (JSON
 * here, a binary struct on the chip). Not provided: setIP, ping, getHostByName, setSNTP, events
 * auth_change, dhcp_timeout, sta_joined/sta_left, probe_recv.
 */
import type { FlashStore } from "./storage.ts";
import type { Emitter } from "./emitter.ts";

export interface SimNetwork {
  ssid: string;
  password: string;
  rssi: number;
  channel: number;
  authMode: "open" | "wpa2" | "wpa_wpa2";
  mac: string;
}

export const DEFAULT_NETWORKS: SimNetwork[] = [
  { ssid: "SimNet", password: "simulator", rssi: -58, channel: 6, authMode: "wpa2", mac: "02:53:49:4d:00:01" },
  { ssid: "Neighbours", password: "not-yours-1", rssi: -81, channel: 11, authMode: "wpa_wpa2", mac: "02:53:49:4d:00:02" },
];

export type StationStatus = "off" | "connecting" | "bad_password" | "no_ap_found" | "connect_failed" | "connected";

interface WifiConfig {
  mode: "off" | "sta" | "ap" | "sta+ap";
  ssid?: string;
  password?: string;
  ap?: { ssid: string; password: string; authMode: string; channel: number; hidden: number };
}

export const WIFI_CONFIG_FILE = ".wificfg";
const STA_MAC = "5c:cf:7f:00:51:4d";
const AP_MAC = "5e:cf:7f:00:51:4d";
const ASSOC_MS = 100;
const DHCP_MS = 50;
const SCAN_MS = 300;

export class WifiRadio {
  networks: SimNetwork[];
  ip: string;
  status: StationStatus = "off";
  ssid = "";
  password = "";
  ap: WifiConfig["ap"] | null = null;
  hostname = "espruino";
  /** The radio fault: every network is out of range. */
  outOfRange = false;
  /** The current interpreter's Wifi module, to which events go. */
  target: Emitter | null = null;
  onLinkUp: () => void = () => {};
  #store: FlashStore;
  #timer: NodeJS.Timeout | null = null;
  #pending: Array<(err: string | null) => void> = [];

  constructor(store: FlashStore, networks: SimNetwork[], ip: string) {
    this.#store = store;
    this.networks = networks;
    this.ip = ip;
  }

  linkUp(): boolean {
    return this.status === "connected" || this.ap !== null;
  }

  mode(): WifiConfig["mode"] {
    const sta = this.status !== "off";
    return sta && this.ap ? "sta+ap" : sta ? "sta" : this.ap ? "ap" : "off";
  }

  #emit(event: string, details: object): void {
    this.target?.emit(event, details);
  }

  #settle(err: string | null): void {
    const cbs = this.#pending;
    this.#pending = [];
    for (const cb of cbs) cb(err);
  }

  #network(): SimNetwork | undefined {
    return this.outOfRange ? undefined : this.networks.find((n) => n.ssid === this.ssid);
  }

  /** Starts (or retries) associating with the configured network. */
  #associate(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.status = "connecting";
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const net = this.#network();
      if (!net) {
        this.status = "no_ap_found";
        this.#emit("disconnected", { ssid: this.ssid, mac: STA_MAC, reason: "no_ap_found" });
        this.#settle("no_ap_found");
        return;
      }
      if (net.authMode !== "open" && net.password !== this.password) {
        this.status = "bad_password";
        this.#emit("disconnected", { ssid: this.ssid, mac: net.mac, reason: "auth_fail" });
        this.#settle("bad_password");
        return;
      }
      this.#emit("associated", { ssid: net.ssid, mac: net.mac, channel: net.channel });
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.status = "connected";
        this.#emit("connected", { ip: this.ip, mask: "255.0.0.0", gw: this.ip });
        this.#settle(null);
        this.onLinkUp();
      }, DHCP_MS);
    }, ASSOC_MS);
  }

  connect(ssid: string, password: string, cb: ((err: string | null) => void) | null): void {
    if (this.status === "connected" && ssid === this.ssid && password === this.password) {
      if (cb) cb(null);
      return;
    }
    if (this.status === "connected") this.#emit("disconnected", { ssid: this.ssid, mac: STA_MAC, reason: "assoc_leave" });
    this.ssid = ssid;
    this.password = password;
    if (cb) this.#pending.push(cb);
    this.#associate();
  }

  disconnect(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const was = this.status;
    this.status = "off";
    this.#settle("connect_failed");
    if (was === "connected") this.#emit("disconnected", { ssid: this.ssid, mac: STA_MAC, reason: "assoc_leave" });
  }

  startAP(ssid: string, opts: { password?: string; authMode?: string; channel?: number; hidden?: unknown }): string | null {
    const password = opts.password ?? "";
    if (password.length > 0 && password.length < 8) return "password must be at least 8 characters";
    const hidden = typeof opts.hidden === "number" ? opts.hidden : 0;
    this.ap = { ssid, password, authMode: opts.authMode ?? (password ? "wpa2" : "open"), channel: opts.channel ?? 1, hidden };
    this.onLinkUp();
    return null;
  }

  stopAP(): void {
    this.ap = null;
  }

  /** Fault: the network goes out of range (beacon timeout), and the SDK keeps retrying. */
  drop(): void {
    this.outOfRange = true;
    if (this.status === "connected" || this.status === "connecting") {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.status = "connecting";
      this.#emit("disconnected", { ssid: this.ssid, mac: STA_MAC, reason: "beacon_timeout" });
    }
  }

  /** Fault ends: networks are back; a station that wants one reconnects by itself. */
  restore(): void {
    this.outOfRange = false;
    if (this.status !== "off" && this.status !== "connected" && this.ssid) this.#associate();
  }

  scanList(): object[] {
    if (this.outOfRange) return [];
    return this.networks.map((n) => ({ rssi: n.rssi, channel: n.channel, authMode: n.authMode, isHidden: false, ssid: n.ssid, mac: n.mac }));
  }

  rssi(): number | undefined {
    const net = this.status === "connected" ? this.#network() : undefined;
    return net ? net.rssi : undefined;
  }

  save(clear: boolean): void {
    if (clear) {
      this.#store.erase(WIFI_CONFIG_FILE);
      return;
    }
    const cfg: WifiConfig = { mode: this.mode() };
    if (this.status !== "off") {
      cfg.ssid = this.ssid;
      cfg.password = this.password;
    }
    if (this.ap) cfg.ap = this.ap;
    this.#store.write(WIFI_CONFIG_FILE, JSON.stringify(cfg), undefined, undefined);
  }

  /** Applies `.wificfg`; true when there was one. */
  restoreSaved(): boolean {
    const text = this.#store.read(WIFI_CONFIG_FILE);
    if (text === undefined) return false;
    let cfg: WifiConfig;
    try {
      cfg = JSON.parse(text) as WifiConfig;
    } catch {
      return false;
    }
    if (cfg.ap) this.ap = cfg.ap;
    else this.ap = null;
    if ((cfg.mode === "sta" || cfg.mode === "sta+ap") && cfg.ssid) this.connect(cfg.ssid, cfg.password ?? "", null);
    else this.disconnect();
    return true;
  }

  /** Power cycle: the radio forgets its state (no events). */
  powerOff(): void {
    this.stop();
    this.status = "off";
    this.ap = null;
    this.#pending = [];
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** The object `require("Wifi")` returns; `mod` is an Emitter the radio sends events to. */
export function createWifiModule(radio: WifiRadio, mod: Emitter, call: (fn: unknown, ...args: unknown[]) => void): object {
  radio.target = mod;
  const ipInfo = (): object => ({
    ip: radio.status === "connected" ? radio.ip : "0.0.0.0",
    netmask: radio.status === "connected" ? "255.0.0.0" : "0.0.0.0",
    gw: radio.status === "connected" ? radio.ip : "0.0.0.0",
    mac: STA_MAC,
  });
  const apInfo = (): object =>
    radio.ap ? { ip: "192.168.4.1", netmask: "255.255.255.0", gw: "192.168.4.1", mac: AP_MAC } : { ip: "0.0.0.0", netmask: "0.0.0.0", gw: "0.0.0.0", mac: AP_MAC };
  const status = (): object => ({
    mode: radio.mode(),
    station: radio.status,
    ap: radio.ap ? "enabled" : "disabled",
    phy: "11n",
    powersave: "ps-poll",
    savedMode: "off",
  });
  const details = (): object => ({
    status: radio.status,
    rssi: radio.rssi(),
    ssid: radio.status === "off" ? undefined : radio.ssid,
    password: radio.status === "off" ? undefined : radio.password,
    authMode: "wpa2",
    savedSsid: undefined,
  });
  const later = (fn: unknown, ...args: unknown[]): void => {
    if (typeof fn === "function") setImmediate(() => call(fn, ...args));
  };
  Object.assign(mod, {
    connect(ssid: unknown, opts: unknown, cb?: unknown): void {
      const o = (opts ?? {}) as { password?: string };
      radio.connect(String(ssid), o.password === undefined ? "" : String(o.password), typeof cb === "function" ? (err) => call(cb, err) : null);
    },
    disconnect(cb?: unknown): void {
      radio.disconnect();
      later(cb);
    },
    startAP(ssid: unknown, opts: unknown, cb?: unknown): void {
      const err = radio.startAP(String(ssid), (opts ?? {}) as Record<string, never>);
      later(cb, err);
    },
    stopAP(cb?: unknown): void {
      radio.stopAP();
      later(cb);
    },
    getIP(cb?: unknown): object {
      const info = ipInfo();
      later(cb, null, info);
      return info;
    },
    getAPIP(cb?: unknown): object {
      const info = apInfo();
      later(cb, null, info);
      return info;
    },
    getStatus(cb?: unknown): object {
      const s = status();
      later(cb, s);
      return s;
    },
    getDetails(cb?: unknown): object {
      const d = details();
      later(cb, d);
      return d;
    },
    getAPDetails(cb?: unknown): object {
      const d = radio.ap ? { status: "enabled", ssid: radio.ap.ssid, authMode: radio.ap.authMode, channel: radio.ap.channel, hidden: radio.ap.hidden, maxConn: 4, savedSsid: undefined } : { status: "disabled" };
      later(cb, d);
      return d;
    },
    scan(cb: unknown): void {
      if (typeof cb !== "function") return;
      setTimeout(() => call(cb, radio.scanList()), SCAN_MS);
    },
    save(what?: unknown): void {
      radio.save(what === "clear");
    },
    restore(): void {
      radio.restoreSaved();
    },
    getHostname(cb?: unknown): string {
      later(cb, radio.hostname);
      return radio.hostname;
    },
    setHostname(name: unknown, cb?: unknown): void {
      radio.hostname = String(name);
      later(cb);
    },
  });
  for (const k of Object.keys(mod)) Object.defineProperty(mod, k, { enumerable: false });
  return mod;
}
