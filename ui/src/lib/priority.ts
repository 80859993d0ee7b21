// Priority as colour *and* text: the colour class for the badge and the label
// read out with it, so nobody depends on telling red from orange.

import type { AlertView } from "../api/types";
import { plain } from "./text";

export type PriorityTone = "p1" | "p2" | "p3" | "p4" | "none";

export function priorityTone(alert: AlertView): PriorityTone {
  const id = alert.priority_id ?? alert.ticket.priority_id ?? null;
  switch (id) {
    case 1:
      return "p1";
    case 2:
      return "p2";
    case 3:
      return "p3";
    case 4:
      return "p4";
    default:
      return "none";
  }
}

/** Halo's priority name when known ("P1 - Critical"), else "P<id>". */
export function priorityLabel(alert: AlertView): string {
  const name = plain(alert.ticket.priority_name ?? "", 40).trim();
  if (name) return name;
  const id = alert.priority_id ?? alert.ticket.priority_id ?? null;
  return id === null ? "No priority" : `P${id}`;
}
