// One alert in the list: priority (colour and words), client, summary, age,
// escalation step and assignee. Ticket text goes in as text only.

import type { AlertView } from "../api/types";
import { h } from "../lib/dom";
import { escalationText } from "../lib/escalation";
import { priorityLabel, priorityTone } from "../lib/priority";
import { plain } from "../lib/text";
import { ageText } from "../lib/time";

export function assigneeText(alert: AlertView): string {
  const agent = plain(alert.ticket.agent_name, 120).trim();
  if (agent) return agent;
  const team = plain(alert.ticket.team_name ?? alert.team_name, 120).trim();
  return team ? `Unassigned (${team})` : "Unassigned";
}

export function clientText(alert: AlertView): string {
  return plain(alert.ticket.client_name, 200).trim() || "No client";
}

export function summaryText(alert: AlertView): string {
  return plain(alert.ticket.summary ?? alert.summary, 500).trim() || "(no summary)";
}

export function priorityBadge(alert: AlertView, testid = "alert-priority"): HTMLElement {
  const tone = priorityTone(alert);
  return h("span", { class: `prio prio-${tone}`, "data-testid": testid, "data-tone": tone, text: priorityLabel(alert) });
}

/** The age element; the window refreshes every `[data-since]` on a timer. */
export function ageElement(alert: AlertView, now: Date, testid = "alert-age"): HTMLElement {
  return h("span", {
    class: "age",
    "data-testid": testid,
    "data-since": alert.created_at,
    title: `Raised ${new Date(alert.created_at).toLocaleString()}`,
    text: ageText(alert.created_at, now),
  });
}

export function renderRow(alert: AlertView, now: Date, withAck: boolean): HTMLLIElement {
  const open = h(
    "button",
    {
      type: "button",
      class: "row-main",
      "data-testid": "alert-open",
    },
    h(
      "span",
      { class: "row-top" },
      priorityBadge(alert),
      h("span", { class: "row-client", "data-testid": "alert-client", dir: "auto", text: clientText(alert) }),
      h("span", { class: "row-id", text: `#${alert.ticket_id}` }),
    ),
    h("span", { class: "row-summary", "data-testid": "alert-summary", dir: "auto", text: summaryText(alert) }),
    h(
      "span",
      { class: "row-meta" },
      ageElement(alert, now),
      h("span", { class: "sep", "aria-hidden": "true", text: " · " }),
      h("span", { class: "escalation", "data-testid": "alert-escalation", text: escalationText(alert) }),
      h("span", { class: "sep", "aria-hidden": "true", text: " · " }),
      h("span", { class: "assignee", "data-testid": "alert-assignee", dir: "auto", text: assigneeText(alert) }),
    ),
  );
  const li = h(
    "li",
    {
      class: `alert-row tone-${priorityTone(alert)} state-${alert.state}`,
      "data-testid": "alert-row",
      "data-ticket-id": alert.ticket_id,
      "data-state": alert.state,
    },
    open,
  );
  if (withAck) {
    li.append(
      h("button", {
        type: "button",
        class: "row-ack",
        "data-testid": "alert-ack",
        "aria-label": `Acknowledge ticket ${alert.ticket_id}`,
        text: "Acknowledge",
      }),
      h("p", { class: "action-error", "data-testid": "alert-ack-error", role: "alert", hidden: true }),
    );
  }
  return li;
}
