/*
 * The LED and the analog input, as plain functions over the board's constants (no object: the
 * resident core calls readA0 once a second, and each function held is RAM on Espruino). The LED
 * is driven on the board's pin (active-low on the ESP-12's GPIO2); a board without one keeps
 * only the state (Resident.led_). A0 is Espruino's analogRead (0 <= v < 1) scaled to 0..1023; a
 * board without an analog pin gets a synthetic, slowly varying signal (a triangle over 64 s,
 * from the uptime), so that telemetry still moves.
 */
import { ANALOG_PIN, LED_ACTIVE_LOW, LED_PIN } from "board-config";

/** Puts the LED pin in state `on` (0 or 1); nothing on a board without an LED pin. */
export function driveLed(on: number): void {
  if (LED_PIN !== null) digitalWrite(Pin(LED_PIN), LED_ACTIVE_LOW ? 1 - on : on);
}

/** A0 now, 0..1023; `ms` is the uptime (the synthetic signal's clock). */
export function readA0(ms: number): number {
  if (ANALOG_PIN === null) {
    const t = Math.floor(ms / 62.5) % 2048;
    return t < 1024 ? t : 2047 - t;
  }
  const v = analogRead(Pin(ANALOG_PIN));
  if (!(v >= 0)) return 0;
  const a = Math.floor(v * 1024);
  return a > 1023 ? 1023 : a;
}
