/*
 * `npm run provision -- --port <p> --ssid <name>`: joins the device to a Wi-Fi network and stores
 * the credentials on it (Espruino's Wifi.connect, then Wifi.save, which writes Storage `.wificfg`),
 * then prints the address it got.
 *
 * The password comes from ESPFW_WIFI_PASSWORD or a prompt without echo. It goes to the device in
 * one console line sent with echo off (Espruino's DLE prefix), and nowhere else: not to a file,
 * not to a child process's argv, and every line this tool prints goes through the redactor.
 * Exit codes: 0 connected and saved, 1 failed, 2 bad usage.
 */
import { parseProvisionArgs, PROVISION_USAGE } from "./deploy/args.ts";
import { HOSTNAME_EXPR, WIFI_RESULT_EXPR, WIFI_SAVE_EXPR, wifiConnectExpr } from "./deploy/device-commands.ts";
import { DeployError, exitCodeFor } from "./deploy/errors.ts";
import { delay, installQuietConsole, openLink } from "./deploy/espruino-link.ts";
import { checkPort } from "./deploy/run-deploy.ts";
import { createRedactor, ENV_CONSOLE_PASSWORD, ENV_WIFI_PASSWORD, loadDotEnv, promptHidden, secretFromEnv } from "./deploy/secrets.ts";

interface WifiState {
  r: string | null;
  station: string;
  ip: string | undefined;
}

const FAILED_STATES = ["bad_password", "no_ap_found", "connect_failed"];

function explain(state: string): string {
  if (state === "bad_password") return "the network refused the password (check ESPFW_WIFI_PASSWORD, or type it again)";
  if (state === "no_ap_found") return "no network of that name is in range (the ESP8266 sees 2.4 GHz networks only; names are case-sensitive)";
  return `the connection failed (${state}); move the board closer to the access point and try again`;
}

async function provision(argv: string[], out: (l: string) => void): Promise<void> {
  loadDotEnv();
  const args = parseProvisionArgs(argv);
  if (args.help) {
    out(PROVISION_USAGE);
    return;
  }
  if (!args.ssid) throw new DeployError("EUSAGE", "no --ssid given: name the Wi-Fi network to join");
  checkPort(args.port);
  const password = secretFromEnv(ENV_WIFI_PASSWORD) ?? (await promptHidden(`Wi-Fi password for "${args.ssid}" (not echoed): `, ENV_WIFI_PASSWORD));
  const consolePassword = secretFromEnv(ENV_CONSOLE_PASSWORD);
  const redact = createRedactor([password, consolePassword]);
  const say = (l: string) => out(redact(l));
  installQuietConsole(redact, args.verbose);

  say(`connect: ${args.port}`);
  const link = await openLink(args.port as string, { fast: args.fast, redact });
  try {
    await link.unlock(consolePassword);
    say(`wifi: joining "${args.ssid}"`);
    await link.evaluate(wifiConnectExpr(args.ssid, password), { what: "Wifi.connect" });
    const deadline = Date.now() + args.timeoutS * 1000;
    let last = "";
    let state: WifiState | null = null;
    for (;;) {
      await delay(1000);
      state = (await link.evaluate(WIFI_RESULT_EXPR, { what: "reading the Wi-Fi state" })) as WifiState;
      if (state.station !== last) {
        say(`wifi: ${state.station}`);
        last = state.station;
      }
      const gotIp = !!state.ip && state.ip !== "0.0.0.0";
      if ((state.r === "ok" || state.station === "connected") && gotIp) break;
      if (state.r && state.r !== "ok") throw new DeployError("EWIFI", explain(state.r));
      if (FAILED_STATES.indexOf(state.station) >= 0) throw new DeployError("EWIFI", explain(state.station));
      if (Date.now() > deadline) {
        throw new DeployError("EWIFI", `no address after ${args.timeoutS} s (station: ${state.station}); nothing was saved. Try again with --timeout 60, or check the network name`);
      }
    }
    const saved = await link.evaluate(WIFI_SAVE_EXPR, { what: "Wifi.save" });
    if (saved !== true) throw new DeployError("EDEVICE", "Wifi.save did not write .wificfg to Storage");
    say(`saved: the device rejoins "${args.ssid}" at every boot (Storage .wificfg)`);
    say(`address: ${state.ip}`);
    const host = (await link.evaluate(HOSTNAME_EXPR, { what: "reading the host name" })) as string;
    if (host) say(`name: ${host} (the firmware announces http://${host}.local/ over mDNS; the harness and deploy take ${host}.local as an address)`);
    say(`next: telnet ${state.ip} 4444, or open http://${state.ip}/ (ports of the board config)`);
  } finally {
    await link.close();
  }
}

provision(process.argv.slice(2), (l) => process.stdout.write(l + "\n")).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof DeployError) {
      process.stderr.write(`provision: error ${e.code}: ${e.message}\n`);
      if (exitCodeFor(e.code) === 2) process.stderr.write("\n" + PROVISION_USAGE);
      process.exit(exitCodeFor(e.code));
    }
    process.stderr.write(`provision: unexpected error: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
