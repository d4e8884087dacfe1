/*
 * Provision against the simulator's console and its simulated radio: joining a network saves
 * the credentials in Storage (.wificfg) and prints the address; a wrong password or an absent
 * network fails with a message that says which, and saves nothing.
 *
 * MQTT: against the sim firmware running in the simulator and a real Mosquitto, provision writes
 * Storage `mqtt` (the password in it, in no printed line), restarts the program and the device
 * connects (mqtt.js sees `online`); `--mqtt off` removes it; a password in the URL and every bad
 * field are usage errors (exit 2) before anything is sent.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { type Broker, mosquittoPath, startBroker } from "../helpers/mosquitto.ts";
import { builtSimBundle, type Rig, runTool, startEmptySim, type ToolRun } from "./deploy-rig.ts";

const NET = { ssid: "ProvNet-1", password: "prov-fake-pass-31ab", rssi: -50, channel: 1, authMode: "wpa2" as const, mac: "02:00:00:00:00:11" };

describe("provision", () => {
  let rig: Rig;
  before(async () => {
    rig = await startEmptySim({ networks: [NET] });
  });
  after(async () => {
    if (rig) await rig.stop();
  });

  test("a wrong password fails with EWIFI naming the cause and saves nothing", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", NET.ssid, "--fast", "--timeout", "10"], { ESPFW_WIFI_PASSWORD: "not-the-password" });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /EWIFI: the network refused the password/);
    const names = rig.sim.evaluate('require("Storage").list()') as string[];
    assert.ok(names.indexOf(".wificfg") < 0, names.join(","));
  });

  test("an absent network fails with EWIFI saying it is not in range", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", "NoSuchNet", "--fast", "--timeout", "10"], { ESPFW_WIFI_PASSWORD: "whatever-123" });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /EWIFI: no network of that name is in range/);
  });

  test("the right password joins, saves .wificfg and prints the address", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", NET.ssid, "--fast"], { ESPFW_WIFI_PASSWORD: NET.password });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^address: 127\.0\.0\.1$/m);
    const host = rig.sim.evaluate('require("Wifi").getHostname()') as string;
    assert.ok(r.stdout.includes(`name: ${host} (the firmware announces http://${host}.local/`), r.stdout);
    const names = rig.sim.evaluate('require("Storage").list()') as string[];
    assert.ok(names.indexOf(".wificfg") >= 0, names.join(","));
  });

  test("no --ssid is a usage error (exit 2)", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /EUSAGE: no --ssid or --mqtt given/);
  });

  test("a password on the command line is refused", async () => {
    const r = await runTool("provision", ["--port", rig.consoleAddr, "--ssid", "x", "--password", "hunter2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /secrets are not taken on the command line/);
  });
});

// Made at run time (so only a leak can show it); the quote and backslash are escaped in the file's JSON.
const MQTT_PW_TAIL = Math.random().toString(36).slice(2, 12);
const MQTT_PW = "mq-pw-\"quoted\\-" + MQTT_PW_TAIL;

/** The secret's forms a leak would show: as typed, JSON-escaped, base64. */
function assertNoPassword(where: string, text: string, pw: string): void {
  const tail = pw === MQTT_PW ? MQTT_PW_TAIL : pw.slice(-8);
  for (const f of [pw, JSON.stringify(pw).slice(1, -1), Buffer.from(pw).toString("base64"), tail]) {
    assert.equal(text.includes(f), false, `${where} shows the MQTT password (${f.slice(0, 4)}...)`);
  }
  // Nor inside base64 of something longer (the console line that writes the file carries it whole).
  for (const m of text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)) {
    assert.equal(Buffer.from(m[0], "base64").toString("latin1").includes(tail), false, `${where} shows the MQTT password in base64`);
  }
}

/** Resolves with the first message on `topic` equal to `want` (retained ones included), or rejects after `ms`. */
async function seeOnBroker(url: string, topic: string, want: string, ms = 15000): Promise<void> {
  const c: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${want}" on ${topic} within ${ms} ms`)), ms);
      c.on("message", (t, payload) => {
        if (t === topic && payload.toString() === want) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.subscribe(topic, { qos: 1 }, (e) => {
        if (e) reject(e);
      });
    });
  } finally {
    await c.endAsync(true);
  }
}

const noBroker = mosquittoPath() === null ? "mosquitto is not installed (scripts/install-system-deps.sh)" : false;

describe("provision --mqtt", () => {
  test("a password in the URL is refused (exit 2) before anything is sent, and not repeated", async () => {
    // Nothing listens on port 1: had provision tried to connect, it would fail with ENOANSWER (exit 1).
    const r = await runTool("provision", ["--port", "tcp://127.0.0.1:1", "--mqtt", "mqtt://user:url-secret-77@broker.lan:1883"]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /EUSAGE: --mqtt: the URL holds a password \(user:password@\): secrets are not taken on the command line/);
    assert.equal(r.stdout, "");
    assert.ok(!(r.stdout + r.stderr).includes("url-secret-77"), r.stderr);
  });

  test("bad fields are refused with the device's rules (exit 2), before anything is sent", async () => {
    // The whole matrix of fields, held to the firmware's own checker, is in mqtt-config.test.ts.
    const cases: Array<{ args: string[]; env?: Record<string, string>; why: RegExp }> = [
      { args: ["--mqtt", "mqtt://broker.lan", "--mqtt-period", "0"], why: /bad period\): --mqtt-period wants whole seconds, 1\.\.3600/ },
      { args: ["--mqtt", "mqtt://broker.lan", "--mqtt-prefix", "a/b"], why: /bad prefix, name or ha/ },
      { args: ["--mqtt", "mqtt://broker.lan:70000"], why: /bad port/ },
      { args: ["--mqtt", "mqtt://u@broker.lan"], env: { ESPFW_MQTT_PASSWORD: "p".repeat(65) }, why: /bad password.*ESPFW_MQTT_PASSWORD must be at most 64 bytes/ },
      { args: ["--mqtt", "mqtts://broker.lan"], why: /no TLS/ },
      { args: ["--mqtt-name", "x"], why: /--mqtt-name without --mqtt/ },
    ];
    const runs = await Promise.all(cases.map((c) => runTool("provision", ["--port", "tcp://127.0.0.1:1", ...c.args], c.env ?? {})));
    runs.forEach((r, i) => {
      const c = cases[i];
      assert.equal(r.code, 2, `${c.args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, c.why, c.args.join(" "));
      assert.equal(r.stdout, "", `${c.args.join(" ")} sent something: ${r.stdout}`);
      if (c.env?.ESPFW_MQTT_PASSWORD) assert.ok(!r.stderr.includes(c.env.ESPFW_MQTT_PASSWORD), "the password is not repeated");
    });
  });

  describe("against the sim firmware and Mosquitto", { skip: noBroker }, () => {
    let rig: Rig;
    let broker: Broker;
    let saved: ToolRun;

    before(async () => {
      const bundle = await builtSimBundle();
      broker = await startBroker();
      rig = await startEmptySim({ networks: [NET], bundle });
      // Wi-Fi and MQTT in one run: the network is joined first, then the broker is written.
      saved = await runTool(
        "provision",
        ["--port", rig.consoleAddr, "--ssid", NET.ssid, "--mqtt", `mqtt://dev-user@127.0.0.1:${broker.port}`, "--mqtt-name", "dev-1", "--mqtt-period", "2", "--fast", "--verbose"],
        { ESPFW_WIFI_PASSWORD: NET.password, ESPFW_MQTT_PASSWORD: MQTT_PW },
      );
    });
    after(async () => {
      if (rig) await rig.stop();
      if (broker) await broker.dispose();
    });

    test("--ssid and --mqtt: joins, saves the configuration, restarts the program and says so, without the password", () => {
      assert.equal(saved.code, 0, saved.stdout + saved.stderr);
      assert.match(saved.stdout, /^address: 127\.0\.0\.1$/m);
      const line = new RegExp(`^mqtt: saved mqtt://dev-user@127\\.0\\.0\\.1:${broker.port} \\(with a password\\), prefix espfw, name dev-1, every 2 s, Home Assistant discovery under homeassistant; the device connects now$`, "m");
      assert.match(saved.stdout, line);
      assert.match(saved.stdout, /^mqtt: restart: load\(\)$/m);
      assert.match(saved.stdout, new RegExp(`^mqtt: the device is connecting to 127\\.0\\.0\\.1:${broker.port}$`, "m"));
      assert.match(saved.stdout, /^mqtt: connected; topics under espfw\/dev-1\//m);
      assertNoPassword("provision's output", saved.stdout + saved.stderr, MQTT_PW);
      assert.match(saved.stderr, /\[espruino\]/, "verbose mode logged the package's lines (so they were checked too)");
    });

    test("Storage mqtt holds the configuration as JSON, the password in it; the console never showed it", () => {
      const text = rig.sim.evaluate('require("Storage").read("mqtt")') as string;
      assert.deepEqual(JSON.parse(Buffer.from(text, "latin1").toString("utf8")), {
        host: "127.0.0.1",
        port: broker.port,
        user: "dev-user",
        pass: MQTT_PW,
        name: "dev-1",
        period: 2,
      });
      assertNoPassword("the device's console output", rig.sim.consoleOutput(), MQTT_PW);
    });

    test("the restarted device is online on the broker, under the name given", async () => {
      await seeOnBroker(broker.url, "espfw/dev-1/status", "online");
    });

    test("--mqtt again replaces it: no user, the device's own name, another prefix, discovery off", async () => {
      const r = await runTool("provision", ["--port", rig.consoleAddr, "--mqtt", `mqtt://127.0.0.1:${broker.port}`, "--mqtt-prefix", "fleet", "--mqtt-ha", "off", "--fast"], {
        ESPFW_MQTT_PASSWORD: MQTT_PW,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /ESPFW_MQTT_PASSWORD is set, but --mqtt names no user: no password is sent/);
      assert.match(r.stdout, /^mqtt: saved mqtt:\/\/127\.0\.0\.1:\d+, prefix fleet, name espruino-sim \(the device's own\), every 1 s, Home Assistant discovery off; the device connects now$/m);
      const text = rig.sim.evaluate('require("Storage").read("mqtt")') as string;
      assert.deepEqual(JSON.parse(text), { host: "127.0.0.1", port: broker.port, prefix: "fleet", ha: "" });
      assertNoPassword("provision's output", r.stdout + r.stderr, MQTT_PW);
      await seeOnBroker(broker.url, "fleet/espruino-sim/status", "online");
    });

    test("--mqtt off removes the file and restarts the program: the broker gives the device's will (offline)", async () => {
      const r = await runTool("provision", ["--port", rig.consoleAddr, "--mqtt", "off", "--fast"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^mqtt: removed; the device runs without MQTT/m);
      assert.equal(rig.sim.evaluate('require("Storage").read("mqtt")'), undefined);
      await seeOnBroker(broker.url, "fleet/espruino-sim/status", "offline");
      const again = await runTool("provision", ["--port", rig.consoleAddr, "--mqtt", "off", "--fast"]);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /MQTT is already off, nothing changed/);
    });

    test("a broker that refuses the device (CONNACK 5) is an error (exit 1) saying why; the configuration stays saved", async () => {
      // A broker of one answer: CONNACK, return code 5 (not authorized), to whatever connects.
      const conns = new Set<net.Socket>();
      const refuser = net.createServer((s) => {
        conns.add(s);
        s.once("data", () => s.write(Buffer.from([0x20, 0x02, 0x00, 0x05])));
        s.on("error", () => undefined);
        s.on("close", () => conns.delete(s));
      });
      await new Promise<void>((resolve) => refuser.listen(0, "127.0.0.1", resolve));
      const port = (refuser.address() as net.AddressInfo).port;
      try {
        const r = await runTool("provision", ["--port", rig.consoleAddr, "--mqtt", `mqtt://nobody@127.0.0.1:${port}`, "--fast"], { ESPFW_MQTT_PASSWORD: MQTT_PW });
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stderr, new RegExp(`EMQTT: the broker at 127\\.0\\.0\\.1:${port} refused the device: not authorized`));
        assertNoPassword("provision's output", r.stdout + r.stderr, MQTT_PW);
        const text = rig.sim.evaluate('require("Storage").read("mqtt")') as string;
        assert.equal((JSON.parse(text) as { port: number }).port, port);
      } finally {
        for (const s of conns) s.destroy();
        await new Promise((resolve) => refuser.close(resolve));
      }
    });
  });
});
