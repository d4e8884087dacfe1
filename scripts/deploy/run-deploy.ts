/*
 * The deploy sequence: build and gate the bundle, plan the Storage files, then over the console
 * unlock, identify, reset, check space, write the web assets and secrets, write the boot code
 * under a temporary name and commit it, restart with load(), wait for the services and run the
 * harness's quick check. Every step prints a progress line; every failure says what was written
 * and what state the device is left in.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BoardConfigError, knownBoards, loadBoard } from "../../board-configs/index.ts";
import type { BoardConfig } from "../../board-configs/schema.ts";
import { buildBoard } from "../build.ts";
import { checkBundle, formatProblems } from "../check-bundle/index.ts";
import type { DeployArgs } from "./args.ts";
import {
  BOOT_FILE,
  BOOT_TEMP_FILE,
  COMPACT_EXPR,
  CONSOLE_PASSWORD_FILE,
  consolePrelude,
  ENV_EXPR,
  eraseExpr,
  IP_EXPR,
  STORAGE_STATS_EXPR,
  TOKEN_FILE,
} from "./device-commands.ts";
import { DeployError } from "./errors.ts";
import { installQuietConsole, openLink, parseTcpPort } from "./espruino-link.ts";
import { dryRunner, liveRunner, type Runner } from "./runner.ts";
import {
  createRedactor,
  ENV_CONSOLE_PASSWORD,
  ENV_TOKEN,
  promptHidden,
  type Redactor,
  secretFromEnv,
} from "./secrets.ts";
import { type BootStage, checkNames, storageFootprint, type StorageFile, uploadBootCode, uploadFile } from "./storage-upload.ts";
import { impossibleWifiState, type ServicePorts, waitForDevice } from "./wait-device.ts";
import { DEFAULT_MANIFEST, loadWebAssets } from "./web-assets.ts";

export interface Io {
  out: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

function kb(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`;
}

/** Serial ports present on this machine, for the "no such port" message. */
function serialPortsPresent(): string[] {
  try {
    return readdirSync("/dev")
      .filter((f) => /^(ttyUSB|ttyACM|cu\.usbserial|cu\.SLAB|cu\.wchusbserial|tty\.usbserial)/.test(f))
      .map((f) => "/dev/" + f);
  } catch {
    return [];
  }
}

export function checkPort(port: string | undefined): void {
  if (!port) {
    throw new DeployError("ENOPORT", "no --port given: name the board's serial port (/dev/ttyUSB0, COM3) or its console over Wi-Fi (tcp://<ip>)");
  }
  if (parseTcpPort(port)) return;
  if (/^COM[0-9]+$/i.test(port)) {
    if (process.platform === "win32") return;
    throw new DeployError("ENOPORT", `${port} is a Windows port name; here serial ports are /dev/tty* files (${serialPortsPresent().join(", ") || "none is present"})`);
  }
  if (!existsSync(port)) {
    const present = serialPortsPresent();
    throw new DeployError(
      "ENOPORT",
      `no serial port ${port}: is the board plugged in (with a data cable)? ` +
        (present.length ? `Ports present: ${present.join(", ")}` : "No USB serial ports are present."),
    );
  }
}

function loadBoardOrFail(name: string | undefined): BoardConfig {
  if (!name) throw new DeployError("EUSAGE", `no --board given; known boards: ${knownBoards().join(", ")}`);
  try {
    return loadBoard(name);
  } catch (e) {
    if (e instanceof BoardConfigError) throw new DeployError(e.code, e.message);
    throw e;
  }
}

/** Builds (or reads) the bundle and holds it to the gate and the board's budget. */
async function bundleFor(board: BoardConfig, args: DeployArgs, io: Io): Promise<Buffer> {
  let file: string;
  if (args.bundle) {
    if (!existsSync(args.bundle)) throw new DeployError("EUSAGE", `--bundle ${args.bundle}: no such file`);
    file = args.bundle;
  } else {
    io.out(`build: ${board.name} bundle (rollup, then the Espruino gate)`);
    let r: Awaited<ReturnType<typeof buildBoard>>;
    try {
      r = await buildBoard(board.name);
    } catch (e) {
      throw new DeployError("EBUILD", `the ${board.name} build failed: ${(e as Error).message}`);
    }
    if (r.problems > 0 && r.bytes <= board.bundleBudget) throw new DeployError("EGATE", `the ${board.name} bundle fails the Espruino gate (${r.problems} problem(s), listed above): fix them and deploy again`);
    file = r.file;
  }
  const data = readFileSync(file);
  if (data.length > board.bundleBudget) {
    throw new DeployError(
      "E2BIG",
      `${file} is ${data.length} bytes, over the ${board.name} budget of ${board.bundleBudget} bytes by ${data.length - board.bundleBudget}: ` +
        "make the firmware smaller (or raise bundleBudget in the board config, if the device really has the room)",
    );
  }
  const problems = checkBundle(data.toString("utf8"), { file, budgetBytes: board.bundleBudget });
  if (problems.length > 0) {
    throw new DeployError("EGATE", `${file} fails the Espruino gate:\n${formatProblems(problems)}`);
  }
  io.out(`bundle: ${file}, ${kb(data.length)} of the ${kb(board.bundleBudget)} budget (${Math.round((100 * data.length) / board.bundleBudget)}%), gate ok`);
  return data;
}

async function secretsFor(board: BoardConfig, args: DeployArgs, io: Io): Promise<{ token?: string; consolePassword?: string }> {
  let token = secretFromEnv(ENV_TOKEN, io.env);
  if (!token && args.tokenPrompt) token = await promptHidden("control token (not echoed): ", ENV_TOKEN);
  if (token !== undefined && token.length < 8) io.out(`warning: the control token is only ${token.length} characters long; use 16 or more`);
  const consolePassword = secretFromEnv(ENV_CONSOLE_PASSWORD, io.env);
  if (board.console === "lock" && !consolePassword) {
    throw new DeployError("ENOSECRET", `board ${board.name} locks its console: set ${ENV_CONSOLE_PASSWORD} to the password to lock it with`);
  }
  return { token, consolePassword };
}

function servicePorts(board: BoardConfig, args: DeployArgs): ServicePorts {
  return {
    http: args.ports.http ?? board.ports.http,
    echo: args.ports.echo ?? board.ports.echo,
    line: args.ports.line ?? board.ports.line,
  };
}

function writeDryRunFiles(folder: string, files: StorageFile[]): void {
  const dir = join(folder, "storage");
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const safe = f.name.replace(/[^A-Za-z0-9._-]/g, "_");
    if (f.secret) writeFileSync(join(dir, safe + ".redacted"), `${f.label}: ${f.data.length} bytes, not written here (a secret)\n`);
    else writeFileSync(join(dir, safe), f.data);
  }
  const plan = files.map((f) => ({ name: f.name, bytes: f.data.length, label: f.label, secret: !!f.secret }));
  writeFileSync(join(folder, "plan.json"), JSON.stringify({ files: plan }, null, 2) + "\n");
}

function runHarness(host: string, board: string, env: NodeJS.ProcessEnv, out: (l: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test-host/cli.ts", "check", "--target", host, "--board", board, "--quick"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const relay = (b: Buffer) => {
      for (const line of b.toString("utf8").split("\n")) if (line.trim()) out(`  harness: ${line}`);
    };
    child.stdout.on("data", relay);
    child.stderr.on("data", relay);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

export async function runDeploy(args: DeployArgs, io: Io): Promise<void> {
  const board = loadBoardOrFail(args.board);
  if (!args.dryRun) checkPort(args.port);
  const secrets = await secretsFor(board, args, io);
  const redact: Redactor = createRedactor([secrets.token, secrets.consolePassword]);
  const out = (line: string) => io.out(redact(line));
  installQuietConsole(redact, args.verbose);

  const bundle = await bundleFor(board, args, { ...io, out });
  const manifestPath = args.manifest ?? DEFAULT_MANIFEST;
  const web = loadWebAssets(manifestPath);
  if (web) out(`web assets: ${web.length} file(s) from ${manifestPath}, ${kb(web.reduce((n, f) => n + f.data.length, 0))}`);
  else out(`web assets: none (${manifestPath} not found); the firmware serves what is built into it`);

  const files: StorageFile[] = [...(web ?? [])];
  if (secrets.token !== undefined) files.push({ name: TOKEN_FILE, data: Buffer.from(secrets.token, "utf8"), label: "the control token", secret: true });
  if (board.console === "lock") files.push({ name: CONSOLE_PASSWORD_FILE, data: Buffer.from(secrets.consolePassword ?? "", "utf8"), label: "the console password", secret: true });
  const boot: StorageFile = { name: BOOT_FILE, data: Buffer.concat([Buffer.from(consolePrelude(board.console)), bundle]), label: "the boot code" };
  checkNames([...files, boot]);
  // The boot code is held twice while it is committed (.bootnew and .bootcde).
  const need = storageFootprint([...files, boot, boot]);
  if (need > board.storageBytes) {
    throw new DeployError("E2BIG", `the Storage files need ${kb(need)}, more than the ${kb(board.storageBytes)} of Storage board ${board.name} has`);
  }
  out(`console policy: ${board.console}${board.console === "off" ? " (telnet console turned off at every boot)" : board.console === "lock" ? " (console locked with ESPFW_CONSOLE_PASSWORD at every boot)" : " (open: anyone on the network can use the REPL on port " + board.ports.console + ")"}`);
  out(`control token: ${secrets.token !== undefined ? "from " + (secretFromEnv(ENV_TOKEN, io.env) ? ENV_TOKEN : "the prompt") : args.clearToken ? "erased" : "none given: LED, UDP, FETCH and POST /api/led are open to anyone who can reach the device (a token already on it is kept; set ESPFW_TOKEN in the environment or .env)"}`);

  let runner: Runner;
  if (args.dryRun) {
    writeDryRunFiles(args.dryRun, [...files, boot]);
    runner = dryRunner(args.dryRun, redact, { board: board.espruino.build, version: board.espruino.version });
    out(`dry run: writing what would be sent to ${args.dryRun}/ (storage/, commands.log, plan.json)`);
  } else {
    out(`connect: ${args.port}`);
    const link = await openLink(args.port as string, { fast: args.fast, redact });
    runner = liveRunner(link);
  }

  const written: string[] = [];
  const stage: { at: BootStage | "before" } = { at: "before" };
  let didReset = false;
  let host = args.host ?? parseTcpPort(args.port ?? "")?.host;
  try {
    await runner.unlock(secrets.consolePassword);
    const env = (await runner.evaluate(ENV_EXPR, "reading process.env")) as { BOARD?: string; VERSION?: string } | null;
    // A dry run has no device: the recorder's answers are the board config's, not a reading.
    if (runner.dry) out(`device: none (dry run; a real run reads it here and expects Espruino ${board.espruino.version} on ${board.espruino.build})`);
    else out(`device: Espruino ${env?.VERSION ?? "?"} on ${env?.BOARD ?? "?"}`);
    if (env?.BOARD && env.BOARD !== board.espruino.build) {
      out(`warning: board ${board.name} expects Espruino's ${board.espruino.build} build, the device runs ${env.BOARD}`);
    }
    if (env?.VERSION && env.VERSION.split(".")[0] !== board.espruino.version) {
      out(`warning: board ${board.name} expects Espruino ${board.espruino.version}, the device runs ${env.VERSION}`);
    }
    if (board.wifi && !host && !runner.dry) {
      const ip = (await runner.evaluate(IP_EXPR, "asking for the Wi-Fi address")) as string | null;
      if (ip) host = ip;
    }

    out("reset: stopping the running firmware (its files stay in Storage)");
    await runner.send("\x10reset();\n", "reset()");
    didReset = true;
    if (!runner.dry) await new Promise((r) => setTimeout(r, 1500));
    let stats = (await runner.evaluate(STORAGE_STATS_EXPR, "reading Storage free space")) as { free: number; trash: number };
    if (stats.free < need && stats.free + stats.trash >= need) {
      out(`storage: ${kb(stats.free)} free, compacting to reclaim ${kb(stats.trash)}`);
      await runner.evaluate(COMPACT_EXPR, "compacting Storage", 60000);
      stats = (await runner.evaluate(STORAGE_STATS_EXPR, "reading Storage free space")) as { free: number; trash: number };
    }
    if (stats.free < need) {
      throw new DeployError("E2BIG", `Storage has ${kb(stats.free)} free, the deploy needs ${kb(need)}: erase unused files (require("Storage").list() on the console)`);
    }
    if (!runner.dry) out(`storage: ${kb(stats.free)} free, deploy needs ${kb(need)}`);

    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      out(`write [${i + 1}/${files.length + 1}] ${f.secret ? f.label : f.label + " (" + kb(f.data.length) + ")"}`);
      await uploadFile(runner, f);
      written.push(f.name);
    }
    if (board.console !== "lock") await runner.evaluate(eraseExpr(CONSOLE_PASSWORD_FILE), "erasing an old console password");
    if (args.clearToken && secrets.token === undefined) {
      await runner.evaluate(eraseExpr(TOKEN_FILE), "erasing the control token");
      out("control token erased");
    }
    out(`write [${files.length + 1}/${files.length + 1}] the boot code (${kb(boot.data.length)}) to ${BOOT_TEMP_FILE}, then over ${BOOT_FILE}`);
    let lastPct = -1;
    await uploadBootCode(
      runner,
      boot,
      (done) => {
        const pct = Math.floor((100 * done) / boot.data.length / 25) * 25;
        if (pct !== lastPct && pct > 0 && pct < 100) {
          lastPct = pct;
          out(`  ${pct}%`);
        }
      },
      stage as { at: BootStage },
    );
    written.push(BOOT_FILE);
    if (runner.dry) out(`verify: a real run reads the ${written.length} file(s) back from Storage here (dry run: nothing read)`);
    else out(`verified: ${written.length} file(s) read back from Storage match what was sent`);
    out("restart: load()");
    await runner.send("\x10load();\n", "load()");
    if (!runner.dry) await new Promise((r) => setTimeout(r, 300));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const lines = [msg];
    if (written.length) lines.push(`files written before the failure: ${written.join(", ")}`);
    if (stage.at === "temp" || stage.at === "before") {
      if (didReset) {
        lines.push(`the old boot code is intact; restarting it with load()${stage.at === "temp" ? " (the partial " + BOOT_TEMP_FILE + " is erased)" : ""}`);
        try {
          if (stage.at === "temp") await runner.evaluate(eraseExpr(BOOT_TEMP_FILE), "erasing .bootnew", 3000);
          await runner.send("\x10load();\n", "load()");
        } catch {
          lines.push("(the device did not take load(): power-cycle it to restart the old firmware)");
        }
      } else lines.push("nothing was changed on the device");
    } else if (stage.at === "commit") {
      lines.push(`.bootcde may be incomplete (the verified copy is in ${BOOT_TEMP_FILE}): deploy again, over USB serial if Wi-Fi is gone`);
    }
    await runner.close().catch(() => undefined);
    if (e instanceof DeployError) throw new DeployError(e.code, redact(lines.join("\n  ")));
    throw new DeployError("EDEVICE", redact(lines.join("\n  ")));
  }
  await runner.close();

  if (runner.dry) {
    out(`dry run done: ${args.dryRun}/commands.log holds the console lines, ${args.dryRun}/storage/ the files`);
    return;
  }
  if (!args.wait) {
    out("deployed; not waiting for the device (--no-wait)");
    return;
  }
  if (!host) {
    out("deployed. The device reported no Wi-Fi address: provision it (npm run provision), then open http://<ip>/");
    return;
  }
  const ports = servicePorts(board, args);
  out(`wait: for ${host} to answer (echo ${ports.echo}, line ${ports.line}, http ${ports.http})`);
  const answer = await waitForDevice(host, ports, args.timeoutS * 1000);
  out(`up: echo answered after ${(answer.echoMs / 1000).toFixed(1)} s; line protocol: ${answer.greeting ?? "no greeting"}; GET /api/status: ${answer.httpStatus ?? "no answer"}${answer.wifi !== null ? ", wifi=" + answer.wifi : ""}`);
  const wrong = board.wifi ? impossibleWifiState(answer.wifi, host) : null;
  if (wrong !== null) throw new DeployError("EWIFISTATE", wrong);

  if (!args.check) return;
  const hasPortOverride = Object.keys(args.ports).length > 0;
  if (!existsSync("test-host/cli.ts")) {
    out("check: the harness (test-host/cli.ts) is not there yet; the echo port answering is the check");
    return;
  }
  if (hasPortOverride) {
    out("check: skipped (--ports given; the harness reads ports from the board config); run it yourself against these ports");
    return;
  }
  out(`check: npm run harness -- check --target ${host} --board ${board.name} --quick`);
  const code = await runHarness(host, board.name, io.env, out);
  if (code !== 0) throw new DeployError("ECHECK", `the firmware is deployed and running, but the harness check failed (exit ${code}); see its table above`);
  out("check: passed");
}
