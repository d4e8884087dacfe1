/*
 * Formats the STATUS reply (SPEC.md): `OK uptime=<ms> free=<vars> led=<0|1> clients=<n>
 * ip=<ipv4> rssi=<dBm|na> wifi=<state> dropped=<n>`. Pure: the caller gathers the values.
 */

export interface StatusValues {
  uptime: number;
  free: number;
  led: number;
  clients: number;
  ip: string;
  rssi: number | null;
  wifi: string;
  dropped: number;
}

export function formatStatus(v: StatusValues): string {
  return (
    "OK uptime=" + v.uptime +
    " free=" + v.free +
    " led=" + v.led +
    " clients=" + v.clients +
    " ip=" + v.ip +
    " rssi=" + (v.rssi === null ? "na" : v.rssi) +
    " wifi=" + v.wifi +
    " dropped=" + v.dropped
  );
}
