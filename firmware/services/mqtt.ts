/*
 * The MQTT client's resident part (the client is the lazy module `lazy:mqtt`, docs/FLEET.md).
 * At boot it reads the Storage file `mqtt`, written by provisioning: with none, MQTT is off
 * and nothing more is loaded or held. With one, the client is loaded for the device's life and
 * takes one socket of the budget from then on, connected or not, so that no client can take the
 * socket it needs to come back.
 */
import { load as loadMqtt } from "lazy:mqtt";
import { dev } from "./device.ts";


/** The configuration, as the client uses it once checked (lazy:mqtt, mqttConfig). */
export interface MqttConfig {
  host: string;
  port: number;
  user?: string;
  pass?: string;
  /** The first level of every topic, and the device's name under it (its client id). */
  prefix: string;
  name: string;
  /** Seconds between samples. */
  period: number;
  /** Home Assistant's discovery prefix; "" turns discovery off. */
  ha: string;
}

/** Starts MQTT when Storage holds its configuration. */
export function mqttBoot(): void {
  // The Storage file of the configuration, `mqtt` (JSON), named as a literal: a constant shared
  // with lazy:mqtt would be a resident variable, which MQTT off must not cost.
  const raw = require("Storage").read("mqtt");
  if (raw === undefined) return;
  const m = loadMqtt();
  const cfg = m.mqttConfig(raw);
  if (typeof cfg === "string") return print("mqtt: off, " + cfg);
  dev.out_++;
  m.mqttStart(cfg);
}
