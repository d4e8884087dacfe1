/*
 * The board's socket budget (SPEC.md, "Ports"), kept by the firmware because the ESP8266's SDK
 * silently drops a connection that arrives when its 10 sockets are taken. `fixed` counts the
 * sockets held for the device's life: listeners (HTTP, echo TCP, echo UDP, line protocol) and
 * the console's telnet listener where the console is on the network. Clients and outgoing
 * connections acquire one each; one socket always stays in reserve so that the client one too
 * many can still be accepted and refused cleanly. With 10 sockets and 5 fixed: 4 at once.
 */
import type { SocketBudget } from "./contracts.ts";

export class Budget implements SocketBudget {
  private total_: number;
  private fixed_: number;
  private used_: number;

  constructor(total: number, fixed: number) {
    this.total_ = total;
    this.fixed_ = fixed;
    this.used_ = 0;
  }

  acquire(): boolean {
    if (this.fixed_ + this.used_ + 1 >= this.total_) return false;
    this.used_++;
    return true;
  }

  release(): void {
    if (this.used_ > 0) this.used_--;
  }

  inUse(): number {
    return this.used_;
  }
}
