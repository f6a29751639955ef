/**
 * @module campaign/send-window
 * When a customer email may go out: 09:00-19:00 on the customer's clock (3-D Secure: 08:00-21:00). Pure.
 * (Minimal version: zone from the metadata time zone, else the default zone; the country table comes separately.)
 */

export interface SendWindow {
  zone: string;
  startHour: number;
  endHour: number;
  label: string;
}
export type WindowKind = "standard" | "authentication";

const HOURS: Record<WindowKind, [number, number]> = { standard: [9, 19], authentication: [8, 21] };
const pad = (n: number) => String(n).padStart(2, "0");

function validZone(zone: string | null | undefined): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function sendWindowFor(f: { timezone?: string | null; country?: string | null }, kind: WindowKind, defaultZone: string): SendWindow {
  const zone = validZone(f.timezone) ? f.timezone : defaultZone;
  const [startHour, endHour] = HOURS[kind];
  return { zone, startHour, endHour, label: `${pad(startHour)}:00-${pad(endHour)}:00` };
}

function localParts(at: number, zone: string): { hour: number; minute: number; second: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? "0");
  return { hour: get("hour") % 24, minute: get("minute"), second: get("second") };
}

export function localHour(at: number, zone: string): number {
  return localParts(at, zone).hour;
}

export function isInside(now: number, w: SendWindow): boolean {
  const h = localHour(now, w.zone);
  return h >= w.startHour && h < w.endHour;
}

export function nextOpening(now: number, w: SendWindow): number {
  if (isInside(now, w)) return now;
  const p = localParts(now, w.zone);
  // The top of the next local hour, then hour by hour until inside.
  let t = now - (p.minute * 60 + p.second) * 1000 - (now % 1000) + 3600_000;
  for (let i = 0; i < 30; i++, t += 3600_000) {
    if (isInside(t, w)) {
      const q = localParts(t, w.zone);
      return t - (q.minute * 60 + q.second) * 1000;
    }
  }
  return now + 86400_000;
}
