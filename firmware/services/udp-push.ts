/*
 * The device's UDP push (docs/PROTOCOL.md, "UDP push"): one target for the whole device, kept after
 * the connection that set it closes, until `UDP OFF` or a reboot. Every `ms` it sends the 16-byte
 * binary frame (lib/sample-frame.ts) from the echo service's UDP socket, so it costs no socket of
 * its own. seq counts the push's own samples from 1. UDP has no answer: a target where nothing
 * listens just receives nothing, and a send that throws is logged once per target.
 */
import { encodeFrame, FLAG_LOW_MEMORY, FLAG_WIFI_UP } from "../../lib/sample-frame.ts";
import type { PushDevice } from "./contracts.ts";
import { takeSample } from "./take-sample.ts";
import type { Datagrams, Log, Timers } from "../platform/types.ts";

export class UdpPush {
  private d_: PushDevice;
  private t_: Timers;
  private log_: Log;
  private sock_: Datagrams;
  private ip_: string;
  private port_: number;
  private timer_: number;
  private seq_: number;
  private failed_: boolean;

  constructor(sock: Datagrams, device: PushDevice, timers: Timers, log: Log) {
    this.sock_ = sock;
    this.d_ = device;
    this.t_ = timers;
    this.log_ = log;
    this.ip_ = "";
    this.port_ = 0;
    this.timer_ = 0;
    this.seq_ = 0;
    this.failed_ = false;
  }

  /** Sets the target and rate; returns the reply line. */
  set(ip: string, port: number, ms: number): string {
    this.off();
    this.ip_ = ip;
    this.port_ = port;
    this.failed_ = false;
     
    const self = this;
    this.timer_ = this.t_.setInterval(function () { self.send_(); }, ms);
    return "OK udp=" + ip + ":" + port;
  }

  /** True while pushing. */
  active(): boolean {
    return this.timer_ !== 0;
  }

  off(): string {
    if (this.timer_ !== 0) this.t_.clearInterval(this.timer_);
    this.timer_ = 0;
    this.port_ = 0;
    return "OK udp=off";
  }

  /** "ip:port" of the target, or "off". */
  target(): string {
    return this.port_ === 0 ? "off" : this.ip_ + ":" + this.port_;
  }

  private send_(): void {
    const d = this.d_;
    const flags = (d.wifiState() === "up" ? FLAG_WIFI_UP : 0) | (d.lowMemory() ? FLAG_LOW_MEMORY : 0);
    const frame = encodeFrame(takeSample(d, ++this.seq_), flags);
    try {
      this.sock_.send(frame, this.port_, this.ip_);
    } catch (e) {
      if (!this.failed_) this.log_("udp: send to " + this.ip_ + " failed: " + e);
      this.failed_ = true;
    }
  }
}
