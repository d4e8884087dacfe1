/*
 * The ESP8266's pins as Espruino numbers them (simulator/README.md, "What it reproduces"): D0..D16
 * are GPIO numbers, A0 is pin 17 (the ADC).
 * digitalWrite/digitalRead/pinMode/getPinMode/Pin("D2")/analogRead(A0).
 * analogRead(A0) gives 0 <= v < 1 in steps of 1/1024 from a seeded, slow signal with noise (a
 * model: a sine of about a minute's period around 0.5, plus a slower drift and ±1% noise);
 * any other pin gives NaN. Inputs with nothing driving them read 1 (the default pull-up), or
 * what was last written. Pin state is hardware: it survives reset() and load().
 */
import type { Rng } from "./rng.ts";

export const PIN_A0 = 17;
export const PIN_COUNT = 18;

export class PinBank {
  readonly levels = new Uint8Array(PIN_COUNT).fill(1);
  readonly modes: string[] = new Array<string>(PIN_COUNT).fill("input_pullup");
  #rng: Rng;
  #phase: number;
  #start = performance.now();
  /** Called after every digitalWrite (for tests and the CLI's LED line). */
  onWrite: (pin: number, level: number) => void = () => {};

  constructor(rng: Rng) {
    this.#rng = rng;
    this.#phase = rng.next() * Math.PI * 2;
  }

  /** Pin("D2") / Pin(2) / "A0" → pin number; NaN when unknown. */
  static parse(p: unknown): number {
    if (typeof p === "number") return p >= 0 && p < PIN_COUNT ? Math.floor(p) : NaN;
    const s = String(p);
    if (s === "A0") return PIN_A0;
    const m = /^D([0-9]+)$/.exec(s);
    return m && Number(m[1]) <= 16 ? Number(m[1]) : NaN;
  }

  digitalWrite(pin: number, value: unknown): void {
    if (Number.isNaN(pin)) return;
    const level = value ? 1 : 0;
    this.levels[pin] = level;
    if (this.modes[pin] !== "output" && this.modes[pin] !== "opendrain") this.modes[pin] = "output";
    this.onWrite(pin, level);
  }

  digitalRead(pin: number): number {
    if (Number.isNaN(pin)) return 0;
    return this.levels[pin];
  }

  pinMode(pin: number, mode: string): void {
    if (!Number.isNaN(pin)) this.modes[pin] = mode;
  }

  analogRead(pin: number): number {
    if (pin !== PIN_A0) return NaN;
    const t = (performance.now() - this.#start) / 1000;
    const v = 0.5 + 0.3 * Math.sin((2 * Math.PI * t) / 60 + this.#phase) + 0.1 * Math.sin((2 * Math.PI * t) / 317) + (this.#rng.next() - 0.5) * 0.02;
    const counts = Math.max(0, Math.min(1023, Math.round(v * 1024)));
    return counts / 1024;
  }
}
