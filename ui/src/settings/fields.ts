// Each kind of settings input: how a JSON value shows in the input, and how
// what the user typed becomes JSON again (or a message saying what to type).

import type { TeamRef } from "../api/types";

export type FieldKind =
  | "text"
  | "optional-text"
  | "bool"
  | "int"
  | "ids"
  | "strings"
  | "teams"
  | "duration"
  | "optional-duration"
  | "time";

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

const ok = (value: unknown): Parsed => ({ ok: true, value });
const bad = (error: string): Parsed => ({ ok: false, error });

function splitList(raw: string): string[] {
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The input's text (or checked state) for a JSON value. */
export function formatValue(kind: FieldKind, value: unknown): string | boolean {
  switch (kind) {
    case "bool":
      return value === true;
    case "ids":
    case "strings":
    case "teams":
      return Array.isArray(value) ? value.map(String).join(", ") : "";
    case "int":
      return typeof value === "number" ? String(value) : "";
    default:
      return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
  }
}

const DURATION = /^(\d+\s*(d|h|m|s|ms|us|ns)\s*)+$/i;
const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, ns: 1e-9 };

/** Seconds in a duration such as "1h30m", or null if it is not one. */
export function durationSeconds(text: string): number | null {
  const t = text.trim();
  if (!DURATION.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+)\s*(ms|us|ns|d|h|m|s)/gi)) {
    total += Number(m[1]) * (UNIT_SECONDS[(m[2] ?? "s").toLowerCase()] ?? 0);
  }
  return total;
}

/** What the user typed, as JSON; or what to type instead. */
export function parseValue(kind: FieldKind, raw: string | boolean): Parsed {
  if (kind === "bool") return ok(raw === true);
  const text = String(raw).trim();
  switch (kind) {
    case "text":
      return ok(text);
    case "optional-text":
      return ok(text === "" ? null : text);
    case "int":
      if (!/^\d+$/.test(text)) return bad("Enter a whole number");
      return ok(Number(text));
    case "ids": {
      const parts = splitList(text);
      const wrong = parts.find((p) => !/^\d+$/.test(p));
      if (wrong !== undefined) return bad(`“${wrong}” is not an id: enter Halo ids as numbers separated by commas, e.g. 3, 7`);
      return ok(parts.map(Number));
    }
    case "strings":
      return ok(splitList(text));
    case "teams":
      return ok(splitList(text).map((p): TeamRef => (/^\d+$/.test(p) ? Number(p) : p)));
    case "duration":
      if (text === "") return bad("Enter a duration such as 30s, 5m or 1h30m");
      if (durationSeconds(text) === null) return bad(`“${text}” is not a duration: use a number followed by s, m, h or d, e.g. 90s, 5m, 1h`);
      return ok(text);
    case "optional-duration":
      if (text === "") return ok(null);
      if (durationSeconds(text) === null) return bad(`“${text}” is not a duration: use a number followed by s, m, h or d, e.g. 90s, 5m, 1h`);
      return ok(text);
    case "time":
      if (!/^([01]?\d|2[0-3]):[0-5]\d$/.test(text)) return bad("Enter a time as HH:MM, e.g. 08:00");
      return ok(text.length === 4 ? `0${text}` : text);
  }
}
