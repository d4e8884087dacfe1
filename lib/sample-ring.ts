/*
 * A ring of the last `capacity` samples in typed arrays (no array of objects): uptime in a
 * Uint32Array (wraps after 49.7 days), a0 and free in Uint16Arrays, led in a Uint8Array. seq is
 * not stored: samples are numbered consecutively, so it follows from the newest one's number.
 * 60 samples hold 660 bytes of typed-array data.
 */
import type { Sample } from "./sample.ts";

export class SampleRing {
  private ms_: Uint32Array;
  private a0_: Uint16Array;
  private free_: Uint16Array;
  private led_: Uint8Array;
  private cap_: number;
  private next_: number;
  private size_: number;
  private seq_: number;

  constructor(capacity: number) {
    this.cap_ = capacity;
    this.ms_ = new Uint32Array(capacity);
    this.a0_ = new Uint16Array(capacity);
    this.free_ = new Uint16Array(capacity);
    this.led_ = new Uint8Array(capacity);
    this.next_ = 0;
    this.size_ = 0;
    this.seq_ = 0;
  }

  /** Stores a sample, dropping the oldest when full; returns its seq (1, 2, ...). */
  push(ms: number, a0: number, free: number, led: number): number {
    const i = this.next_;
    this.ms_[i] = ms;
    this.a0_[i] = a0;
    this.free_[i] = free;
    this.led_[i] = led;
    this.next_ = (i + 1) % this.cap_;
    if (this.size_ < this.cap_) this.size_++;
    return ++this.seq_;
  }

  size(): number {
    return this.size_;
  }

  /** The sample `age` places back from the newest (0: the newest), or null. */
  get(age: number): Sample | null {
    if (age < 0 || age >= this.size_) return null;
    const i = (this.next_ - 1 - age + this.cap_) % this.cap_;
    return { seq: this.seq_ - age, ms: this.ms_[i], a0: this.a0_[i], free: this.free_[i], led: this.led_[i] };
  }

  /** Calls `cb` with each sample held, oldest first. */
  forEach(cb: (s: Sample) => void): void {
    for (let age = this.size_ - 1; age >= 0; age--) cb(this.get(age) as Sample);
  }
}
