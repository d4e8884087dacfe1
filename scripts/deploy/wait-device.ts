/*
 * Waits until a freshly deployed device answers on its service ports: the echo port must echo,
 * and the line protocol's greeting (`# <name> <version> ready`) and GET /api/status (its status
 * and the Wi-Fi state it reports) are reported when those services answer. Polls twice a second until the timeout.
 */
import net from "node:net";
import http from "node:http";
import { DeployError } from "./errors.ts";

export interface ServicePorts {
  http: number;
  echo: number;
  line: number;
}

export interface DeviceAnswer {
  echoMs: number;
  greeting: string | null;
  httpStatus: number | null;
  /** `wifi` of GET /api/status, or null. */
  wifi: string | null;
}

function tryEcho(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = Buffer.from("espfw-deploy-probe\n");
    const s = net.connect({ host, port });
    let got = Buffer.alloc(0);
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on("connect", () => s.write(probe));
    s.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= probe.length) done(got.subarray(0, probe.length).equals(probe));
    });
    s.on("error", () => done(false));
    s.on("close", () => done(false));
  });
}

/** The first line the line-protocol port sends, or null. */
export function readGreeting(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let text = "";
    const done = (v: string | null) => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(null), timeoutMs);
    s.on("data", (d: Buffer) => {
      text += d.toString("latin1");
      const i = text.indexOf("\n");
      if (i >= 0) done(text.slice(0, i).replace(/\r$/, ""));
    });
    s.on("error", () => done(null));
    s.on("close", () => done(null));
  });
}

function apiStatus(host: string, port: number, timeoutMs: number): Promise<{ status: number | null; wifi: string | null }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: "/api/status", timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d.length + body.length > 4096 ? "" : d));
      const done = (): void => {
        let wifi: string | null = null;
        try {
          const j = JSON.parse(body) as { wifi?: unknown };
          if (typeof j.wifi === "string") wifi = j.wifi;
        } catch {
          // Not JSON: no state to report.
        }
        resolve({ status: res.statusCode ?? null, wifi });
      };
      res.on("end", done);
      res.on("error", done);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: null, wifi: null }));
  });
}

/**
 * Whether a device that answered over the network can be in Wi-Fi state `wifi` (from its
 * /api/status): it is on the network (`up`) or its own access point (`ap`), never still
 * `connecting` or `down`. Null when the state is possible (or unknown), else what is wrong.
 */
export function impossibleWifiState(wifi: string | null, host: string): string | null {
  if (wifi === null || wifi === "up" || wifi === "ap") return null;
  return `the device answers on ${host} but reports wifi=${wifi}: the firmware's Wi-Fi state is wrong`;
}

export async function waitForDevice(host: string, ports: ServicePorts, timeoutMs: number): Promise<DeviceAnswer> {
  const start = Date.now();
  for (;;) {
    if (await tryEcho(host, ports.echo, 2000)) {
      const echoMs = Date.now() - start;
      const greeting = await readGreeting(host, ports.line, 2000);
      const api = await apiStatus(host, ports.http, 3000);
      return { echoMs, greeting, httpStatus: api.status, wifi: api.wifi };
    }
    if (Date.now() - start > timeoutMs) {
      throw new DeployError(
        "ENOANSWER",
        `the device did not answer on ${host} (echo port ${ports.echo}) within ${Math.round(timeoutMs / 1000)} s after restarting. ` +
          "Connect to its console (USB serial) and look for errors at boot.",
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
