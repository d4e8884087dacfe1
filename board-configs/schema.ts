/*
 * The one schema every board config follows, and its validator.
 *
 * Board configs are data (`board-configs/<name>.json`); the build validates the one it is asked
 * for and injects it into the firmware as the `board-config` module. An unknown board or a
 * config that breaks the schema fails the build with a message naming the board and the field.
 * This file has no I/O and no Node or Espruino globals, so firmware, scripts and tests share it.
 */

/** Ports of the device's services (docs/PROTOCOL.md, "Ports"). */
export interface BoardPorts {
  http: number;
  echo: number;
  line: number;
  /** Espruino's console: 23 on the ESP8266 (fixed by Espruino), 2323 on `linux` and `sim`. */
  console: number;
}

export interface BoardPins {
  /** Pin name of the LED (`"D2"`), or null when the board has none (the LED is then a flag in RAM). */
  led: string | null;
  /** True when writing 0 switches the LED on (the ESP-12's GPIO2 LED). */
  ledActiveLow: boolean;
  /** Pin name of the analog input (`"A0"`), or null when there is none (a synthetic signal is used). */
  analog: string | null;
}

export interface BoardConfig {
  /** The board's name, also its file name and `dist/<name>.js`. */
  name: string;
  /** One line for people. */
  description: string;
  /** The device name in greetings and `/api/status`: no spaces. */
  deviceName: string;
  espruino: {
    /** Espruino's build for the board (`ESP8266_4MB`, `LINUX`). */
    build: string;
    /** The Espruino version the firmware expects (`2v29`). */
    version: string;
  };
  /** True when the board has Espruino's `Wifi` module (ESP8266); false on `linux` and `sim`. */
  wifi: boolean;
  pins: BoardPins;
  ports: BoardPorts;
  /** Sockets in all: listeners, clients, outgoing, UDP and the console (10 on every board: docs/PROTOCOL.md, "Guards"). */
  socketBudget: number;
  /** Variables (JsVars) of the interpreter, and how many the firmware may use at most. */
  variables: { total: number; budget: number };
  /** Storage (flash file system) capacity in bytes. */
  storageBytes: number;
  /** Largest `data` chunk a socket delivers (268 on ESP8266, 536 on Linux). */
  chunkSize: number;
  /** Largest bundle in bytes the board accepts (`dist/<name>.js`, minified). */
  bundleBudget: number;
  /** How many `/events` listeners may be open at once. */
  sseListeners: number;
  /** Console policy after deploy: leave it on, lock it with a password, or turn the telnet console off. */
  console: "open" | "lock" | "off";
}

export type BoardName = string;

interface FieldRule {
  path: string;
  check: (v: unknown) => boolean;
  want: string;
}

const isInt = (lo: number, hi: number) => (v: unknown): boolean =>
  typeof v === "number" && Math.floor(v) === v && v >= lo && v <= hi;
const isPort = isInt(1, 65535);
const isString = (v: unknown): boolean => typeof v === "string" && v.length > 0;
const isPinOrNull = (v: unknown): boolean => v === null || (typeof v === "string" && /^[A-Z][0-9]+$/.test(v));

const RULES: FieldRule[] = [
  { path: "name", check: (v) => typeof v === "string" && /^[a-z0-9-]+$/.test(v), want: "a lower-case name" },
  { path: "description", check: isString, want: "a non-empty string" },
  // The device's host name too (DHCP and mDNS `<name>.local`): letters, digits and inner hyphens only.
  { path: "deviceName", check: (v) => typeof v === "string" && /^[A-Za-z0-9]([A-Za-z0-9-]{0,22}[A-Za-z0-9])?$/.test(v), want: "1..24 letters, digits and inner hyphens (it is the device's host name)" },
  { path: "espruino.build", check: isString, want: "an Espruino build name" },
  { path: "espruino.version", check: (v) => typeof v === "string" && /^[0-9]+v[0-9]+$/.test(v), want: "a version such as 2v29" },
  { path: "wifi", check: (v) => typeof v === "boolean", want: "true or false" },
  { path: "pins.led", check: isPinOrNull, want: "a pin name such as D2, or null" },
  { path: "pins.ledActiveLow", check: (v) => typeof v === "boolean", want: "true or false" },
  { path: "pins.analog", check: isPinOrNull, want: "a pin name such as A0, or null" },
  { path: "ports.http", check: isPort, want: "a port 1..65535" },
  { path: "ports.echo", check: isPort, want: "a port 1..65535" },
  { path: "ports.line", check: isPort, want: "a port 1..65535" },
  { path: "ports.console", check: isPort, want: "a port 1..65535" },
  { path: "socketBudget", check: isInt(5, 64), want: "an integer 5..64" },
  { path: "variables.total", check: isInt(500, 1000000), want: "an integer 500..1000000" },
  { path: "variables.budget", check: isInt(100, 1000000), want: "an integer 100..1000000" },
  { path: "storageBytes", check: isInt(4096, 16 * 1024 * 1024), want: "bytes, 4096..16777216" },
  { path: "chunkSize", check: isInt(64, 4096), want: "an integer 64..4096" },
  { path: "bundleBudget", check: isInt(1024, 1024 * 1024), want: "bytes, 1024..1048576" },
  { path: "sseListeners", check: isInt(0, 8), want: "an integer 0..8" },
  { path: "console", check: (v) => v === "open" || v === "lock" || v === "off", want: '"open", "lock" or "off"' },
];

function lookup(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  const parts = path.split(".");
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[parts[i]];
  }
  return cur;
}

/** Checks `raw` against the schema; returns the list of problems (empty when valid). */
export function validateBoardConfig(raw: unknown, expectedName?: string): string[] {
  const problems: string[] = [];
  for (let i = 0; i < RULES.length; i++) {
    const r = RULES[i];
    const v = lookup(raw, r.path);
    if (!r.check(v)) problems.push(`${r.path}: expected ${r.want}, got ${JSON.stringify(v)}`);
  }
  if (problems.length === 0) {
    const cfg = raw as BoardConfig;
    if (expectedName !== undefined && cfg.name !== expectedName) {
      problems.push(`name: expected "${expectedName}" (the file's name), got "${cfg.name}"`);
    }
    if (cfg.variables.budget > cfg.variables.total) problems.push("variables.budget: over variables.total");
    const ports = [cfg.ports.http, cfg.ports.echo, cfg.ports.line, cfg.ports.console];
    for (let i = 0; i < ports.length; i++) {
      if (ports.indexOf(ports[i]) !== i) problems.push(`ports: ${ports[i]} is used twice`);
    }
  }
  return problems;
}
