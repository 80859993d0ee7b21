// What the alert's escalation is doing, in words: "step 2 of 3", or why it
// is quiet (acknowledged, snoozed, resolved).

import type { AlertView } from "../api/types";
import { clockText } from "./time";

export function escalationText(alert: AlertView): string {
  switch (alert.state) {
    case "resolved":
      return alert.resolve_reason ? `resolved: ${alert.resolve_reason}` : "resolved";
    case "acknowledged":
      return alert.acknowledged_by ? `acknowledged by ${alert.acknowledged_by}` : "acknowledged";
    case "snoozed": {
      const until = clockText(alert.snoozed_until);
      return until ? `snoozed until ${until}` : "snoozed";
    }
    case "triggered":
    default: {
      const e = alert.escalation;
      if (!e || e.steps < 1) return "notified";
      const step = Math.min(Math.max(1, e.step), e.steps);
      const base = `step ${step} of ${e.steps}`;
      return e.urgency === "critical" ? `${base} (critical)` : base;
    }
  }
}
