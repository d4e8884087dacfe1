/*
 * What the linux board's device publishes on a broker, as the MQTT benchmarks see it
 * (scripts/bench-mqtt.ts, scripts/bench-scenario.ts --mqtt): a client of the broker (mqtt.js)
 * that keeps the samples (their seq and free column), counts frames, discovery messages, the
 * status changes (online, and the will offline) and the led answers.
 */
import mqtt from "mqtt";

/** The linux board's device name (board-configs/linux.json) under the default prefix. */
export const BASE = "espfw/espruino-linux/";
/** Discovery messages lazy:mqtt-ha sends after each connection (a0, free, uptime, rssi, led). */
export const HA_CONFIGS = 5;

export interface Sample {
  seq: number;
  free: number;
  at: number;
}

/** A client of the broker that keeps what the device publishes. */
export class Watch {
  samples: Sample[] = [];
  frames = 0;
  configs = 0;
  onlines = 0;
  offlines = 0;
  leds: string[] = [];
  status = "";
  private constructor(readonly client: mqtt.MqttClient) {
    client.on("message", (topic, p) => {
      const text = p.toString("latin1");
      if (topic === BASE + "sample") {
        const f = text.split(",");
        this.samples.push({ seq: Number(f[0]), free: Number(f[3]), at: Date.now() });
      } else if (topic === BASE + "frame") this.frames++;
      else if (topic === BASE + "led") this.leds.push(text);
      else if (topic === BASE + "status") {
        this.status = text;
        if (text === "online") this.onlines++;
        else this.offlines++;
      } else if (topic.startsWith("homeassistant/") && topic.endsWith("/config")) this.configs++;
    });
  }

  static async open(url: string): Promise<Watch> {
    const client = mqtt.connect(url, { reconnectPeriod: 200, clientId: "bench-mqtt-watch" });
    await new Promise<void>((res, rej) => {
      client.once("connect", () => res());
      client.once("error", rej);
    });
    await client.subscribeAsync([BASE + "#", "homeassistant/#"]);
    return new Watch(client);
  }

  /** Samples missing between the first and the last seen (seq gaps). */
  gaps(from = 0): number {
    const s = this.samples.slice(from);
    let n = 0;
    for (let i = 1; i < s.length; i++) n += Math.max(0, s[i].seq - s[i - 1].seq - 1);
    return n;
  }

  close(): void {
    this.client.end(true);
  }
}
