// The order of the alerts list: what needs the technician first.
//
// 1. Critical alerts first: Halo priority 1 (P1), or an escalation step
//    whose urgency is critical (a policy can make any priority critical).
// 2. Then newest first (when the alert was raised).
// 3. Ties: the higher ticket id (the later ticket) first, so the order is
//    total and stable across reloads.

import type { AlertView } from "../api/types";

export function isCritical(alert: AlertView): boolean {
  const priority = alert.priority_id ?? alert.ticket.priority_id ?? null;
  return priority === 1 || alert.escalation?.urgency === "critical";
}

function time(iso: string | null | undefined): number {
  if (!iso) return 0;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** Negative when `a` goes before `b`. */
export function compareAlerts(a: AlertView, b: AlertView): number {
  const critical = Number(isCritical(b)) - Number(isCritical(a));
  if (critical !== 0) return critical;
  const newest = time(b.created_at) - time(a.created_at);
  if (newest !== 0) return newest;
  return b.ticket_id - a.ticket_id;
}

/** A sorted copy; the input is left alone. */
export function orderAlerts(alerts: readonly AlertView[]): AlertView[] {
  return [...alerts].sort(compareAlerts);
}

/** Recently resolved or acknowledged: most recent change first. */
export function orderRecent(alerts: readonly AlertView[]): AlertView[] {
  const when = (a: AlertView) => time(a.resolved_at ?? a.updated_at);
  return [...alerts].sort((a, b) => when(b) - when(a) || b.ticket_id - a.ticket_id);
}
