/*
 * `npm run harness -- <check|load|hostile|collect> --target <sim|linux|address> [options]`
 * (USAGE in args.ts). Prints a table (one line per check) on stdout, progress on stderr, writes
 * `--json <file>` when asked, and exits 0 when every check passed, 1 when one failed, 2 when the
 * harness could not run (bad arguments, a target that cannot be started or reached).
 * `npm run harness -- fleet --mqtt <url>` is a view of the devices on an MQTT broker, with no
 * target and options of its own (commands/fleet.ts); `check --target mqtt://host:port` checks one
 * device through a broker, with options of its own too (commands/check-mqtt.ts).
 */
import { resolve } from "node:path";
import { loadDotEnv } from "../scripts/deploy/secrets.ts";
import { type HarnessArgs, parseArgs, USAGE } from "./args.ts";
import { runCheck } from "./commands/check.ts";
import { checkMqttMain, commandIndex, isMqttCheck } from "./commands/check-mqtt.ts";
import { runCollect } from "./commands/collect.ts";
import { fleetMain } from "./commands/fleet.ts";
import { runHostile } from "./commands/hostile.ts";
import { runLoad } from "./commands/load.ts";
import { HarnessError, messageOf } from "./errors.ts";
import { type CheckResult, formatTable, makeReport, progress, type RunReport, writeJson } from "./report.ts";
import { openTarget, type Target } from "./target.ts";
import { connectTcp } from "./tcp.ts";

/** Fails fast with "cannot reach <host>:<port> (<service>)" when no service of the target answers. */
export async function probe(target: Target, timeoutMs: number): Promise<void> {
  const errors: string[] = [];
  for (const s of ["line", "echo", "http"] as const) {
    try {
      const sock = await connectTcp(target.endpoint(s), timeoutMs);
      sock.destroy();
      return;
    } catch (e) {
      errors.push(messageOf(e));
    }
  }
  throw new HarnessError("ECONNECT", errors.join("; "));
}

/** Runs one command against an open target and returns its report (the CLI prints it). */
export async function runCommand(args: HarnessArgs, target: Target): Promise<RunReport> {
  const started = Date.now();
  let results: CheckResult[];
  let summary: Record<string, unknown> | undefined;
  switch (args.command) {
    case "check":
      results = await runCheck(target, { quick: args.quick, only: args.only });
      break;
    case "load": {
      const r = await runLoad(target, { seconds: args.seconds, clients: args.clients, service: args.service });
      results = r.results;
      summary = r.summary;
      break;
    }
    case "hostile": {
      const r = await runHostile(target, { quick: args.quick });
      results = r.results;
      summary = r.summary;
      break;
    }
    case "collect": {
      const r = await runCollect(target, { seconds: args.seconds, transport: args.transport, interval: args.interval, out: args.out, plot: args.plot });
      results = r.results;
      summary = r.summary;
      break;
    }
  }
  return makeReport(args.command, target, started, results, summary);
}

export async function main(argv: string[]): Promise<number> {
  // `fleet` watches a broker rather than a target: its own options (commands/fleet.ts).
  const word = argv.findIndex((a) => !a.startsWith("-"));
  if (argv[word] === "fleet") {
    loadDotEnv();
    return fleetMain([...argv.slice(0, word), ...argv.slice(word + 1)], process.env);
  }
  // `check --target mqtt://...`: one device through an MQTT broker, options of its own (commands/check-mqtt.ts).
  if (isMqttCheck(argv)) {
    loadDotEnv();
    const at = commandIndex(argv);
    return checkMqttMain([...argv.slice(0, at), ...argv.slice(at + 1)], process.env);
  }
  let args: HarnessArgs;
  try {
    loadDotEnv();
    args = parseArgs(argv, process.env);
  } catch (e) {
    process.stderr.write(`harness: ${messageOf(e)}\n\n${USAGE}`);
    return 2;
  }
  // `npm run` starts in the package's folder; files named on the command line are the caller's.
  const cwd = process.env.INIT_CWD;
  if (cwd) {
    const here = (f: string | undefined): string | undefined => (f === undefined ? undefined : resolve(cwd, f));
    args.json = here(args.json);
    args.out = here(args.out) as string;
    args.plot = here(args.plot);
    args.bundle = here(args.bundle);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let target: Target;
  try {
    progress(`starting target ${args.target}`);
    target = await openTarget(args.target, { board: args.board, token: args.token, bundle: args.bundle, connectTimeout: args.connectTimeout });
  } catch (e) {
    process.stderr.write(`harness: ${messageOf(e)}\n`);
    return 2;
  }
  const stopOnSignal = (): void => {
    void target.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  try {
    await probe(target, args.connectTimeout);
    progress(`target ${target.name}: ${target.host} http ${target.ports.http}, echo ${target.ports.echo}, line ${target.ports.line}, console ${target.ports.console}`);
    const report = await runCommand(args, target);
    process.stdout.write(formatTable(report.results) + "\n");
    const gone = target.exited?.() ?? null;
    if (gone !== null) process.stdout.write(`\nThe target died during the run: ${gone}\n`);
    if (report.summary && args.command !== "check") process.stdout.write(`\n${JSON.stringify(report.summary, null, 2)}\n`);
    if (args.json) {
      writeJson(args.json, report);
      progress(`wrote ${args.json}`);
    }
    return report.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`harness: ${messageOf(e)}\n`);
    return 2;
  } finally {
    process.removeListener("SIGINT", stopOnSignal);
    await target.stop().catch((e: unknown) => process.stderr.write(`harness: stopping the target: ${messageOf(e)}\n`));
  }
}

const isMain = process.argv[1] !== undefined && /test-host[\\/]cli\.ts$/.test(process.argv[1]);
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`harness: ${messageOf(e)}\n`);
      process.exit(2);
    },
  );
}
