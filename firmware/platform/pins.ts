/*
 * The LED and the analog input. The LED is driven on the board's pin (active-low on the
 * ESP-12's GPIO2) or, when the board has none, kept as a flag in RAM. A0 is Espruino's
 * analogRead (0 <= v < 1) scaled to 0..1023; a board without an analog pin gets a synthetic,
 * slowly varying signal (a triangle over 64 s), so that telemetry still moves.
 */
import type { Clock, Pins } from "./types.ts";

export function createPins(ledPin: string | null, activeLow: boolean, analogPin: string | null, clock: Clock): Pins {
  let on = 0;
  const led = ledPin === null ? null : Pin(ledPin);
  const adc = analogPin === null ? null : Pin(analogPin);
  const drive = (): void => {
    if (led !== null) digitalWrite(led, activeLow ? 1 - on : on);
  };
  drive();
  return {
    led: () => on,
    setLed(v: boolean): number {
      on = v ? 1 : 0;
      drive();
      return on;
    },
    readA0(): number {
      if (adc === null) {
        const t = Math.floor(clock() / 62.5) % 2048;
        return t < 1024 ? t : 2047 - t;
      }
      const v = analogRead(adc);
      if (!(v >= 0)) return 0;
      const a = Math.floor(v * 1024);
      return a > 1023 ? 1023 : a;
    },
  };
}
