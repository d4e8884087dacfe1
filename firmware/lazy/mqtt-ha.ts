/*
 * Lazy module `lazy:mqtt-ha`: the Home Assistant discovery messages of the MQTT client
 * (firmware/lazy/mqtt.ts; docs/FLEET.md). Loaded after each connection, asked for one message a
 * second, dropped after the last. Each is a retained PUBLISH (QoS 0) of a config on
 * `<ha>/<component>/<name>/<object>/config`, in Home Assistant's short keys: `~` stands for the
 * device's base topic `<prefix>/<name>/`. a0, free memory and uptime come from the `sample`
 * CSV line, the Wi-Fi signal from the `state` JSON, and the LED is a switch on `led/set` and
 * `led`. Every entity is available while `status` says `online`.
 */
import { FIRMWARE_VERSION } from "board-config";
import { mqttPublish } from "../../lib/mqtt.ts";
import type { MqttConfig } from "../services/mqtt.ts";

/** Per entity: component, object id, then the config's own keys. */
const ENTITIES = [
  "sensor",
  "a0",
  '"stat_t":"~sample","val_tpl":"{{value.split(\',\')[2]}}","stat_cla":"measurement"',
  "sensor",
  "free",
  '"stat_t":"~sample","val_tpl":"{{value.split(\',\')[3]}}","unit_of_meas":"vars","stat_cla":"measurement","ent_cat":"diagnostic"',
  "sensor",
  "uptime",
  '"stat_t":"~sample","val_tpl":"{{(value.split(\',\')[1]|int/1000)|int}}","unit_of_meas":"s","dev_cla":"duration","ent_cat":"diagnostic"',
  "sensor",
  "rssi",
  '"stat_t":"~state","val_tpl":"{{value_json.rssi}}","unit_of_meas":"dBm","dev_cla":"signal_strength","ent_cat":"diagnostic"',
  "switch",
  "led",
  '"stat_t":"~led","cmd_t":"~led/set"',
];

/** Discovery message `i` as a whole packet, or "" past the last. */
export function mqttHa(i: number, cfg: MqttConfig, base: string): string {
  const k = i * 3;
  if (k >= ENTITIES.length) return "";
  const n = cfg.name;
  const obj = ENTITIES[k + 1];
  return mqttPublish(
    cfg.ha + "/" + ENTITIES[k] + "/" + n + "/" + obj + "/config",
    '{"~":"' + base + '","name":"' + obj + '","uniq_id":"' + n + "_" + obj + '","avty_t":"~status",' + ENTITIES[k + 2] +
      ',"dev":{"ids":["' + n + '"],"name":"' + n + '","sw":"' + FIRMWARE_VERSION + '","mdl":"ESP8266"}}',
    true,
    0,
  );
}
