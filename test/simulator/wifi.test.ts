/*
 * The simulator's `Wifi` against Espruino's (simulator/README.md, "What it reproduces"): events and
 * their payloads (`connected` with `mask`, `disconnected` with a reason), bad_password, scan's
 * one-argument callback, getIP/getStatus/getDetails, the drop/up fault with the SDK's automatic
 * reconnect, save/restore through `.wificfg`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { devJSON, simWith, until } from "./helpers.ts";

const WATCH = `var ev = []; var W = require("Wifi");
W.on("connected", function (d) { ev.push(["connected", d]); });
W.on("disconnected", function (d) { ev.push(["disconnected", d]); });
W.on("associated", function (d) { ev.push(["associated", d.ssid]); });`;

type Ev = [string, Record<string, unknown>];

test("at power-on the provisioned station connects: associated, then connected{ip, mask, gw}", async () => {
  const sim = await simWith(WATCH);
  try {
    await until(() => (devJSON(sim, "ev") as Ev[]).some((e) => e[0] === "connected"));
    const ev = devJSON(sim, "ev") as Ev[];
    assert.deepEqual(ev.map((e) => e[0]), ["associated", "connected"]);
    assert.deepEqual(Object.keys(ev[1][1]).sort(), ["gw", "ip", "mask"]);
    assert.equal(ev[1][1].ip, "127.0.0.1");
    assert.deepEqual(devJSON(sim, "[W.getStatus().station, W.getIP().ip, typeof W.getDetails().rssi]"), ["connected", "127.0.0.1", "number"]);
  } finally {
    await sim.dispose();
  }
});

test("a wrong password gives bad_password to the callback and a disconnected event", async () => {
  const sim = await simWith(WATCH + "var res = null;");
  try {
    sim.evaluate('ev = []; W.connect("SimNet", {password: "wrong"}, function (err) { res = err; })');
    await until(() => devJSON(sim, "res") !== null);
    assert.equal(devJSON(sim, "res"), "bad_password");
    const ev = devJSON(sim, "ev") as Ev[];
    assert.equal(ev[ev.length - 1][0], "disconnected");
    assert.deepEqual(Object.keys(ev[ev.length - 1][1]).sort(), ["mac", "reason", "ssid"]);
    assert.equal(devJSON(sim, "W.getStatus().station"), "bad_password");
  } finally {
    await sim.dispose();
  }
});

test("scan calls back with ONE argument: the list of access points", async () => {
  const sim = await simWith("var args = null;");
  try {
    sim.evaluate('require("Wifi").scan(function () { args = Array.prototype.slice.call(arguments); })');
    await until(() => devJSON(sim, "args") !== null);
    const args = devJSON(sim, "args") as Array<Array<Record<string, unknown>>>;
    assert.equal(args.length, 1);
    assert.deepEqual(Object.keys(args[0][0]).sort(), ["authMode", "channel", "isHidden", "mac", "rssi", "ssid"]);
    assert.ok(args[0].some((ap) => ap.ssid === "SimNet"));
  } finally {
    await sim.dispose();
  }
});

test("the wifi fault drops the link (disconnected, beacon_timeout) and, when lifted, the station reconnects by itself", async () => {
  const sim = await simWith(WATCH);
  try {
    await until(() => (devJSON(sim, "ev") as Ev[]).some((e) => e[0] === "connected"));
    sim.evaluate("ev = []");
    sim.fault({ wifi: "drop" });
    const ev = devJSON(sim, "ev") as Ev[];
    assert.equal(ev[0][0], "disconnected");
    assert.equal(ev[0][1].reason, "beacon_timeout");
    assert.equal(devJSON(sim, 'W.getIP().ip'), "0.0.0.0");
    sim.fault({ wifi: "up" });
    await until(() => (devJSON(sim, "ev") as Ev[]).some((e) => e[0] === "connected"));
    assert.equal(devJSON(sim, "W.getStatus().station"), "connected");
  } finally {
    await sim.dispose();
  }
});

test("save() writes .wificfg and a restart restores it; save('clear') erases it", async () => {
  const sim = await simWith("");
  try {
    sim.evaluate('require("Wifi").startAP("my-ap", {password: "12345678"}); require("Wifi").save()');
    assert.equal(typeof sim.evaluate('require("Storage").read(".wificfg")'), "string");
    await sim.reboot();
    assert.equal(devJSON(sim, 'require("Wifi").getStatus().ap'), "enabled");
    sim.evaluate('require("Wifi").save("clear")');
    assert.equal(sim.evaluate('require("Storage").read(".wificfg")'), undefined);
  } finally {
    await sim.dispose();
  }
});
