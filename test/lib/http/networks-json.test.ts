import assert from "node:assert/strict";
import { test } from "node:test";
import { networksJson } from "../../../lib/http/networks-json.ts";

test("networksJson lists the strongest first, each name once at its strongest, without hidden networks, at most max", () => {
  const j = JSON.parse(
    networksJson(
      [
        { ssid: "Far", rssi: -85, authMode: "wpa2" },
        { ssid: "", rssi: -30, authMode: "wpa2" },
        { ssid: "Home", rssi: -70, authMode: "wpa2" },
        { ssid: "Home", rssi: -50, authMode: "wpa2" },
        { ssid: 'Caf\u00e9 "free"', rssi: -60, authMode: "open" },
      ],
      2,
    ),
  ) as { networks: Array<{ ssid: string; rssi: number; open: boolean }> };
  assert.deepEqual(j.networks, [
    { ssid: "Home", rssi: -50, open: false },
    { ssid: 'Caf\u00e9 "free"', rssi: -60, open: true },
  ]);
  assert.deepEqual(JSON.parse(networksJson([], 10)), { networks: [] });
});
