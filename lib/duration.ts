/* Durations for people: the uptime as the dashboard and /status show it. */

/** `ms` as "1h 2m 3s", "2m 3s" or "3s" (whole seconds, hours not split into days). */
export function durationText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + (s % 60) + "s";
}
