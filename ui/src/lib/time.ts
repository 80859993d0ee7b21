// Human times: how old an alert is ("12 min", "3 h 5 min"), refreshed live by
// the window, how long until something happens, and clock times in the
// technician's locale.

/** A span of time, short: "12 min", "3 h 5 min", "2 d 4 h"; under a minute is "". */
export function spanText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours === 0 ? `${days} d` : `${days} d ${restHours} h`;
}

/** How old something raised at `fromIso` is at `now`. */
export function ageText(fromIso: string | null | undefined, now: Date): string {
  if (!fromIso) return "unknown age";
  const from = Date.parse(fromIso);
  if (Number.isNaN(from)) return "unknown age";
  // A clock a little ahead of ours still reads "just now".
  return spanText(now.getTime() - from) || "just now";
}

/** Time until `toIso` ("in 15 min"), "now" once it has passed, "" if unknown. */
export function untilText(toIso: string | null | undefined, now: Date): string {
  if (!toIso) return "";
  const to = Date.parse(toIso);
  if (Number.isNaN(to)) return "";
  const ms = to - now.getTime();
  if (ms <= 0) return "now";
  return `in ${spanText(ms) || "under a minute"}`;
}

/** A date and time in the user's locale, or "" for missing / bad input. */
export function clockText(iso: string | null | undefined): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(t));
}
