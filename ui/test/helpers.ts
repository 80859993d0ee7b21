// Test helpers: a page's real HTML in jsdom, and a fixed clock.
import alertsHtml from "../src/pages/alerts.html?raw";
import settingsHtml from "../src/pages/settings.html?raw";
import type { AlertView } from "../src/api/types";

export const NOW = new Date("2026-03-02T10:00:00Z");

export function loadPage(name: "alerts" | "settings"): void {
  const html = name === "alerts" ? alertsHtml : settingsHtml;
  const parsed = new DOMParser().parseFromString(html, "text/html");
  document.head.replaceChildren(...[...parsed.head.childNodes].filter((n) => n.nodeName !== "SCRIPT"));
  document.body.className = parsed.body.className;
  document.body.replaceChildren(...parsed.body.childNodes);
}

export function testIds(root: ParentNode, id: string): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
}

export function tid<T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`no [data-testid="${id}"]`);
  return el;
}

export function minutesAgo(m: number, now = NOW): string {
  return new Date(now.getTime() - m * 60_000).toISOString();
}

export function makeAlert(ticketId: number, over: Partial<AlertView> = {}): AlertView {
  return {
    alert_id: ticketId,
    ticket_id: ticketId,
    state: "triggered",
    summary: `Ticket ${ticketId}`,
    priority_id: 3,
    team_name: "Service Desk",
    trigger_reason: "new ticket",
    created_at: minutesAgo(10),
    updated_at: minutesAgo(10),
    acknowledged_by: null,
    snoozed_until: null,
    resolved_at: null,
    resolve_reason: null,
    next_notification_at: null,
    link: `https://x.example/ticket?id=${ticketId}`,
    ticket: { ticket_id: ticketId },
    escalation: { step: 1, steps: 2, urgency: "normal" },
    ...over,
  };
}
