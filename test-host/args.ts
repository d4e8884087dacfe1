/*
 * Command-line arguments of `npm run harness -- <command> --target <t> [options]`, parsed
 * without dependencies into a typed object; a mistake throws HarnessError EUSAGE naming it.
 */
import { HarnessError } from "./errors.ts";

export const COMMANDS = ["check", "load", "hostile", "collect"] as const;
export type Command = (typeof COMMANDS)[number];
export const SERVICES = ["echo", "line", "http", "mixed"] as const;
export type LoadService = (typeof SERVICES)[number];

export interface HarnessArgs {
  command: Command;
  /** `sim`, `linux`, or a board's address. */
  target: string;
  /** Board config for an address target (default nodemcu); sim and linux use their own. */
  board: string;
  json?: string;
  token?: string;
  /** Seconds for load and collect. */
  seconds: number;
  /** Concurrent clients for load (default: what the socket budget leaves). */
  clients?: number;
  service: LoadService;
  /** collect: tcp (STREAM) or udp (UDP push). */
  transport: "tcp" | "udp";
  /** collect: sample interval in ms (50..60000). */
  interval: number;
  out: string;
  plot?: string;
  /** Shorter runs (hostile, the check suite's big sizes) for tests. */
  quick: boolean;
  /** Only the checks whose name starts with one of these. */
  only: string[];
  /** Connect timeout in ms. */
  connectTimeout: number;
  /** Firmware bundle for the sim and linux targets (default dist/<board>.js). */
  bundle?: string;
  help: boolean;
}

export const USAGE = `usage: npm run harness -- <check|load|hostile|collect> --target <sim|linux|address> [options]
       npm run harness -- fleet --mqtt mqtt://host:port [options]   (devices on an MQTT broker; fleet --help)
       npm run harness -- check --target mqtt://host[:port] [options]   (one device through a broker; with --help)

  --target <t>           sim (starts the simulator), linux (starts $ESPRUINO_BIN), or a board's IP address
  --board <name>         board config for an address target (default nodemcu)
  --token <token>        the device's control token (or env ESPFW_TOKEN)
  --json <file>          also write the results as JSON
  --seconds <n>          load and collect: how long (default 10)
  --clients <n>          load: concurrent clients (default: what the socket budget allows)
  --service <s>          load: echo, line, http or mixed (default mixed)
  --transport <tcp|udp>  collect: STREAM over TCP or the UDP push (default tcp)
  --interval <ms>        collect: sample interval, 50..60000 (default 250)
  --out <file.csv>       collect: CSV file (default artifacts/telemetry.csv)
  --plot <file.svg>      collect: also draw an SVG chart
  --only <prefix,...>    check: only the checks whose names start with these
  --quick                shorter runs (used by the project's tests)
  --bundle <file.js>     sim and linux: the firmware bundle (default dist/<board>.js)
  --connect-timeout <ms> default 3000
`;

function num(name: string, v: string | undefined, lo: number, hi: number): number {
  const n = Number(v);
  if (v === undefined || v === "" || !Number.isFinite(n) || n < lo || n > hi) {
    throw new HarnessError("EUSAGE", `${name} wants a number ${lo}..${hi}, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
  }
  return n;
}

export function parseArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): HarnessArgs {
  const a: HarnessArgs = {
    command: "check",
    target: "",
    board: "nodemcu",
    seconds: 10,
    service: "mixed",
    transport: "tcp",
    interval: 250,
    out: "artifacts/telemetry.csv",
    quick: false,
    only: [],
    connectTimeout: 3000,
    help: false,
    token: env.ESPFW_TOKEN || undefined,
  };
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new HarnessError("EUSAGE", `${flag} needs a value`);
      i++;
      return v;
    };
    switch (flag) {
      case "--target": a.target = takeValue(); break;
      case "--board": a.board = takeValue(); break;
      case "--json": a.json = takeValue(); break;
      case "--token": a.token = takeValue(); break;
      case "--seconds": a.seconds = num("--seconds", takeValue(), 0.1, 86400); break;
      case "--clients": a.clients = num("--clients", takeValue(), 1, 64); break;
      case "--service": {
        const s = takeValue();
        if (!(SERVICES as readonly string[]).includes(s)) throw new HarnessError("EUSAGE", `--service wants one of ${SERVICES.join(", ")}, got "${s}"`);
        a.service = s as LoadService;
        break;
      }
      case "--transport": {
        const t = takeValue();
        if (t !== "tcp" && t !== "udp") throw new HarnessError("EUSAGE", `--transport wants tcp or udp, got "${t}"`);
        a.transport = t;
        break;
      }
      case "--interval": a.interval = num("--interval", takeValue(), 50, 60000); break;
      case "--out": a.out = takeValue(); break;
      case "--plot": a.plot = takeValue(); break;
      case "--only": a.only = takeValue().split(",").filter((s) => s.length > 0); break;
      case "--quick": a.quick = true; break;
      case "--bundle": a.bundle = takeValue(); break;
      case "--connect-timeout": a.connectTimeout = num("--connect-timeout", takeValue(), 50, 120000); break;
      case "--help": case "-h": a.help = true; break;
      default:
        if (arg.startsWith("-")) throw new HarnessError("EUSAGE", `unknown option ${arg}`);
        if (command !== undefined) throw new HarnessError("EUSAGE", `one command only, got "${command}" and "${arg}"`);
        command = arg;
    }
  }
  if (a.help) return a;
  if (command === undefined) throw new HarnessError("EUSAGE", `a command is needed: ${COMMANDS.join(", ")}`);
  if (command === "fleet") throw new HarnessError("EUSAGE", "fleet takes --mqtt <url>, not a target (npm run harness -- fleet --help)");
  if (!(COMMANDS as readonly string[]).includes(command)) throw new HarnessError("EUSAGE", `unknown command "${command}"; commands: ${COMMANDS.join(", ")}, fleet`);
  a.command = command as Command;
  if (a.target === "") throw new HarnessError("EUSAGE", "--target is needed: sim, linux, or a board's address");
  if (/^[a-z]+:\/\//i.test(a.target)) throw new HarnessError("EUSAGE", `--target ${a.target.replace(/\/\/[^@/]*@/, "//")}: only check takes an mqtt:// target (check --target mqtt://host:port); ${a.command} wants sim, linux, or a board's address`);
  return a;
}
