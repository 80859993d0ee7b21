// The detail of one alert: the actions (each with its own error line), the
// close form with its confirmation step, the ticket's fields, its sanitised
// details and the alert's timeline.

import type { Backend } from "../api/api";
import { toCommandError } from "../api/api";
import type { AlertDetail, AlertView, ClosedStatus } from "../api/types";
import { h } from "../lib/dom";
import { escalationText } from "../lib/escalation";
import { priorityLabel } from "../lib/priority";
import { renderDetails } from "../lib/sanitize";
import { plain } from "../lib/text";
import { clockText, untilText } from "../lib/time";
import { ageElement, assigneeText, clientText, priorityBadge, summaryText } from "./row";

export const SNOOZE_CHOICES: { minutes: number; label: string }[] = [
  { minutes: 15, label: "15 min" },
  { minutes: 60, label: "1 h" },
  { minutes: 240, label: "4 h" },
];

/** Custom snooze input: whole minutes, 1 minute to 7 days. */
export function parseSnoozeMinutes(raw: string): number | string {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return "Enter whole minutes, e.g. 90";
  const n = Number(text);
  if (n < 1) return "Snooze for at least 1 minute";
  if (n > 7 * 24 * 60) return "Snooze for at most 7 days (10080 minutes)";
  return n;
}

export interface DetailHost {
  backend: Backend;
  now(): Date;
  /** After a change, the list (and this detail) reload. */
  changed(): void;
  /** Back to the list, focus on the row. */
  close(): void;
}

type ActionName = "acknowledge" | "snooze" | "take" | "close" | "open";

export class DetailView {
  readonly root: HTMLElement;
  private detail: AlertDetail | null = null;
  private statuses: ClosedStatus[] | null = null;
  private closeForm: HTMLFormElement | null = null;
  private shownJson = "";

  constructor(
    root: HTMLElement,
    private host: DetailHost,
  ) {
    this.root = root;
  }

  get ticketId(): number | null {
    return this.detail?.alert.ticket_id ?? null;
  }

  get closeFormOpen(): boolean {
    return !!this.closeForm && !this.closeForm.hidden;
  }

  /** Escape: the confirmation step, then the close form, then the detail. */
  escape(): void {
    const form = this.closeForm;
    if (form && !form.hidden) {
      const confirm = form.querySelector<HTMLElement>('[data-testid="close-confirm-step"]');
      if (confirm && !confirm.hidden) this.closeStep("edit");
      else this.hideCloseForm();
      return;
    }
    this.host.close();
  }

  show(detail: AlertDetail): void {
    // Live reloads come for any alert's change: leave this one alone (and
    // whatever the user is typing in it) unless it changed.
    const json = JSON.stringify(detail);
    if (json === this.shownJson && this.root.childElementCount > 0) return;
    this.shownJson = json;
    const sameTicket = this.detail?.alert.ticket_id === detail.alert.ticket_id;
    const minutes = sameTicket ? (this.root.querySelector<HTMLInputElement>('[data-testid="snooze-custom-minutes"]')?.value ?? "") : "";
    // A live reload rebuilds the pane: keep keyboard focus on the same control.
    const active = this.root.ownerDocument.activeElement;
    const focusId = active && this.root.contains(active) ? active.getAttribute("data-testid") : null;
    const keepClose = this.closeFormOpen && this.detail?.alert.ticket_id === detail.alert.ticket_id;
    const savedForm = keepClose ? this.closeForm : null;
    this.detail = detail;
    const a = detail.alert;
    const now = this.host.now();
    const title = h(
      "h2",
      { class: "detail-title", "data-testid": "detail-title", tabindex: "-1", id: "detail-title" },
      priorityBadge(a, "detail-priority"),
      " ",
      h("span", { class: "row-id", text: `#${a.ticket_id}` }),
      " ",
      h("span", { "data-testid": "detail-summary", dir: "auto", text: summaryText(a) }),
    );
    const back = h("button", {
      type: "button",
      class: "back",
      "data-testid": "detail-close",
      "aria-label": "Back to the list (Escape)",
      text: "← Back",
    });
    back.addEventListener("click", () => this.host.close());

    // Focusable, so keyboard users can scroll long details (WebKit does not
    // make scroll containers focusable by itself).
    const body = h("div", {
      class: "ticket-details",
      "data-testid": "detail-body",
      dir: "auto",
      tabindex: "0",
      role: "region",
      "aria-label": "Ticket details",
    });
    renderDetails(body, detail.detailsHtml, a.ticket.details_text, () => void this.run("open", () => this.host.backend.openInHalo(a.ticket_id)));

    this.root.replaceChildren(
      h("div", { class: "detail-head" }, back, title),
      h("p", { class: "detail-state", "data-testid": "detail-state", text: stateLine(a, now) }),
      this.actions(a),
      savedForm ?? h("div", { hidden: true }),
      this.fields(a, now),
      h("h3", { text: "Details" }),
      body,
      h("h3", { text: "Timeline" }),
      this.timeline(detail),
    );
    if (!savedForm) this.closeForm = null;
    const custom = this.root.querySelector<HTMLInputElement>('[data-testid="snooze-custom-minutes"]');
    if (custom) custom.value = minutes;
    if (focusId) {
      const again = this.root.querySelector<HTMLElement>(`[data-testid="${focusId}"]`);
      if (again && !(again as HTMLButtonElement).disabled) again.focus();
      else this.focusTitle();
    }
  }

  /** The clock moved on: "next reminder in 5 min" and the like. */
  refreshTimes(): void {
    const a = this.detail?.alert;
    if (!a || this.root.childElementCount === 0) return;
    const now = this.host.now();
    const state = this.root.querySelector('[data-testid="detail-state"]');
    if (state) state.textContent = stateLine(a, now);
    const next = this.root.querySelector('[data-testid="field-next"] dd');
    if (next) next.textContent = nextText(a, now);
  }

  focusTitle(): void {
    this.root.querySelector<HTMLElement>('[data-testid="detail-title"]')?.focus();
  }

  private actions(a: AlertView): HTMLElement {
    const open = a.state === "triggered" || a.state === "snoozed";
    const live = a.state !== "resolved";
    const wrap = h("div", { class: "actions", "data-testid": "detail-actions", role: "group", "aria-label": "Actions" });
    const id = a.ticket_id;
    const b = this.host.backend;

    if (open) {
      wrap.append(
        this.action("acknowledge", h("button", { type: "button", class: "primary", "data-testid": "action-acknowledge", text: "Acknowledge" }), () =>
          b.acknowledge(id),
        ),
      );
      const snooze = h("div", { class: "action snooze", "data-action": "snooze" });
      const group = h("div", { class: "snooze-choices", role: "group", "aria-label": "Snooze" }, h("span", { class: "label", text: "Snooze" }));
      for (const choice of SNOOZE_CHOICES) {
        const btn = h("button", {
          type: "button",
          "data-testid": `snooze-${choice.minutes}`,
          "aria-label": `Snooze ${choice.label}`,
          text: choice.label,
        });
        btn.addEventListener("click", () => void this.run("snooze", () => b.snooze(id, choice.minutes)));
        group.append(btn);
      }
      const custom = h("input", {
        type: "number",
        min: "1",
        max: "10080",
        step: "1",
        inputmode: "numeric",
        class: "minutes",
        id: "snooze-custom-minutes",
        "data-testid": "snooze-custom-minutes",
        placeholder: "min",
      });
      const customBtn = h("button", { type: "button", "data-testid": "snooze-custom", text: "Snooze custom" });
      const doCustom = () => {
        const parsed = parseSnoozeMinutes(custom.value);
        if (typeof parsed === "string") this.showError("snooze", parsed);
        else void this.run("snooze", () => b.snooze(id, parsed));
      };
      customBtn.addEventListener("click", doCustom);
      custom.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          doCustom();
        }
      });
      group.append(h("label", { class: "custom", for: "snooze-custom-minutes", text: "Custom (minutes)" }), custom, customBtn);
      snooze.append(group, errorLine("snooze"));
      wrap.append(snooze);
    }
    if (live) {
      wrap.append(
        this.action("take", h("button", { type: "button", "data-testid": "action-take", text: "Take ticket" }), () => b.take(id)),
      );
      const closeBtn = h("button", { type: "button", "data-testid": "action-close", "aria-haspopup": "dialog", text: "Close ticket…" });
      closeBtn.addEventListener("click", () => void this.openCloseForm(a));
      wrap.append(h("div", { class: "action", "data-action": "close" }, closeBtn, errorLine("close")));
    }
    wrap.append(
      this.action("open", h("button", { type: "button", "data-testid": "action-open-in-halo", text: "Open in Halo" }), () => b.openInHalo(id)),
    );
    return wrap;
  }

  private action(name: ActionName, button: HTMLButtonElement, op: () => Promise<unknown>): HTMLElement {
    button.addEventListener("click", () => void this.run(name, op));
    return h("div", { class: "action", "data-action": name }, button, errorLine(name));
  }

  /** Runs one action: buttons busy meanwhile, its error shown beside it. */
  async run(name: ActionName, op: () => Promise<unknown>): Promise<boolean> {
    this.showError(name, null);
    const buttons = [...this.root.querySelectorAll<HTMLButtonElement>(`[data-action="${name}"] button`)];
    buttons.forEach((btn) => (btn.disabled = true));
    this.root.setAttribute("aria-busy", "true");
    try {
      await op();
      if (name !== "open") this.host.changed();
      return true;
    } catch (e) {
      this.showError(name, toCommandError(e).message);
      return false;
    } finally {
      buttons.forEach((btn) => (btn.disabled = false));
      this.root.removeAttribute("aria-busy");
    }
  }

  showError(name: ActionName, message: string | null): void {
    const line = this.root.querySelector<HTMLElement>(`[data-testid="error-${name}"]`);
    if (!line) return;
    line.textContent = message ?? "";
    line.hidden = !message;
  }

  // ---- close ticket: note, status, confirmation ----

  private async openCloseForm(a: AlertView): Promise<void> {
    this.showError("close", null);
    if (!this.statuses) {
      try {
        this.statuses = await this.host.backend.closedStatuses();
      } catch (e) {
        this.showError("close", toCommandError(e).message);
        return;
      }
    }
    if (this.statuses.length === 0) {
      this.showError("close", "Halo reports no closed statuses: check the ticket statuses in Halo");
      return;
    }
    const form = this.buildCloseForm(a, this.statuses);
    const slot = this.closeForm ?? this.root.querySelector<HTMLElement>('[data-testid="detail-actions"]')?.nextElementSibling;
    slot?.replaceWith(form);
    this.closeForm = form;
    form.querySelector<HTMLElement>('[data-testid="close-status"]')?.focus();
  }

  private buildCloseForm(a: AlertView, statuses: ClosedStatus[]): HTMLFormElement {
    const select = h("select", { id: "close-status", "data-testid": "close-status", required: true });
    select.append(h("option", { value: "", text: "Choose a closing status…" }));
    for (const s of statuses) select.append(h("option", { value: String(s.id), text: plain(s.name, 100) }));
    // Start on Halo's usual "Closed" (else the first closed status): the
    // confirmation step names the status before anything is sent.
    const usual = statuses.find((s) => s.name.trim().toLowerCase() === "closed") ?? statuses[0];
    if (usual) select.value = String(usual.id);
    const note = h("textarea", { id: "close-note", "data-testid": "close-note", rows: "3", maxlength: "10000", placeholder: "What was done (added to the ticket as a note)" });
    const edit = h(
      "div",
      { class: "close-step", "data-testid": "close-step-edit" },
      h("button", { type: "submit", class: "primary", "data-testid": "close-continue", text: "Continue…" }),
      h("button", { type: "button", "data-testid": "close-cancel", text: "Cancel" }),
    );
    const confirmText = h("p", { "data-testid": "close-confirm-text", id: "close-confirm-text" });
    const confirm = h(
      "div",
      { class: "close-step confirm", "data-testid": "close-confirm-step", role: "alertdialog", "aria-labelledby": "close-confirm-text", hidden: true },
      confirmText,
      h("button", { type: "button", class: "danger", "data-testid": "close-confirm", text: "Yes, close the ticket" }),
      h("button", { type: "button", "data-testid": "close-back", text: "Back" }),
    );
    const statusError = h("p", { class: "field-error", "data-testid": "close-status-error", role: "alert", hidden: true });
    const form = h(
      "form",
      { class: "close-form", "data-testid": "close-form", "aria-labelledby": "close-form-title", novalidate: true },
      h("h3", { id: "close-form-title", text: `Close ticket #${a.ticket_id} in Halo` }),
      h("label", { for: "close-status", text: "Closing status" }),
      select,
      statusError,
      h("label", { for: "close-note", text: "Note (optional)" }),
      note,
      edit,
      confirm,
      errorLine("close-confirm"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!confirm.hidden) return;
      const status = statuses.find((s) => String(s.id) === select.value);
      if (!status) {
        statusError.textContent = "Choose the status the ticket closes with";
        statusError.hidden = false;
        select.setAttribute("aria-invalid", "true");
        select.focus();
        return;
      }
      statusError.hidden = true;
      select.removeAttribute("aria-invalid");
      const noteText = note.value.trim();
      confirmText.textContent = `Close ticket #${a.ticket_id} as “${plain(status.name, 100)}”${noteText ? " with your note" : " without a note"}? This changes the ticket in Halo.`;
      this.closeStep("confirm");
    });
    form.querySelector('[data-testid="close-cancel"]')?.addEventListener("click", () => this.hideCloseForm());
    form.querySelector('[data-testid="close-back"]')?.addEventListener("click", () => this.closeStep("edit"));
    form.querySelector('[data-testid="close-confirm"]')?.addEventListener("click", () => {
      const statusId = Number(select.value);
      const line = form.querySelector<HTMLElement>('[data-testid="error-close-confirm"]');
      const btns = [...form.querySelectorAll("button")];
      btns.forEach((b) => (b.disabled = true));
      if (line) line.hidden = true;
      this.host.backend
        .closeTicket(a.ticket_id, note.value, statusId)
        .then(() => {
          this.hideCloseForm(false);
          this.host.changed();
        })
        .catch((e: unknown) => {
          if (line) {
            line.textContent = toCommandError(e).message;
            line.hidden = false;
          }
        })
        .finally(() => btns.forEach((b) => (b.disabled = false)));
    });
    return form;
  }

  private closeStep(step: "edit" | "confirm"): void {
    const form = this.closeForm;
    if (!form) return;
    const edit = form.querySelector<HTMLElement>('[data-testid="close-step-edit"]');
    const confirm = form.querySelector<HTMLElement>('[data-testid="close-confirm-step"]');
    if (!edit || !confirm) return;
    edit.hidden = step === "confirm";
    confirm.hidden = step === "edit";
    form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("select, textarea").forEach((el) => {
      el.disabled = step === "confirm";
    });
    form.querySelector<HTMLElement>(step === "confirm" ? '[data-testid="close-confirm"]' : '[data-testid="close-continue"]')?.focus();
  }

  private hideCloseForm(focus = true): void {
    const form = this.closeForm;
    if (!form) return;
    const placeholder = h("div", { hidden: true });
    form.replaceWith(placeholder);
    this.closeForm = null;
    if (focus) this.root.querySelector<HTMLElement>('[data-testid="action-close"]')?.focus();
  }

  // ---- fields and timeline ----

  private fields(a: AlertView, now: Date): HTMLElement {
    const t = a.ticket;
    const dl = h("dl", { class: "fields", "data-testid": "detail-fields" });
    const row = (key: string, label: string, value: string | Node) => {
      if (value === "") return;
      dl.append(
        h("div", { class: "field", "data-testid": `field-${key}` }, h("dt", { text: label }), h("dd", { dir: "auto" }, value)),
      );
    };
    row("priority", "Priority", priorityLabel(a));
    row("client", "Client", clientText(a));
    row("site", "Site", plain(t.site_name, 200));
    row("user", "User", plain(t.user_name, 200));
    row("team", "Team", plain(t.team_name ?? a.team_name, 200));
    row("assignee", "Assigned to", assigneeText(a));
    row("status", "Status", plain(t.status_name, 200));
    row("type", "Type", plain(t.tickettype_name, 200));
    row("trigger", "Why it alerted", plain(a.trigger_reason, 300));
    row("escalation", "Escalation", escalationText(a));
    row("age", "Age", ageElement(a, now, "detail-age"));
    row("raised", "Raised", clockText(a.created_at));
    row("next", "Next notification", nextText(a, now));
    row("updated", "Ticket updated", clockText(t.last_update));
    return dl;
  }

  private timeline(detail: AlertDetail): HTMLElement {
    const list = h("ol", { class: "timeline", "data-testid": "detail-timeline" });
    const entries = [...detail.timeline].sort((x, y) => Date.parse(y.at) - Date.parse(x.at));
    for (const entry of entries) {
      list.append(
        h(
          "li",
          { "data-testid": "timeline-entry", "data-kind": plain(entry.kind, 40) },
          h("time", { datetime: entry.at, text: clockText(entry.at) }),
          h("span", { class: "kind", text: plain(entry.kind, 40).replace(/_/g, " ") }),
          h("span", { class: "what", dir: "auto", text: plain(entry.detail, 1000) }),
        ),
      );
    }
    if (entries.length === 0) list.append(h("li", { text: "Nothing recorded yet." }));
    return list;
  }
}

function errorLine(name: string): HTMLElement {
  return h("p", { class: "action-error", "data-testid": `error-${name}`, role: "alert", hidden: true });
}

function nextText(a: AlertView, now: Date): string {
  return a.next_notification_at ? `${untilText(a.next_notification_at, now)} (${clockText(a.next_notification_at)})` : "";
}

function stateLine(a: AlertView, now: Date): string {
  switch (a.state) {
    case "triggered":
      return `Waiting for you: ${escalationText(a)}${a.next_notification_at ? `, next reminder ${untilText(a.next_notification_at, now)}` : ""}`;
    case "snoozed":
      return `Snoozed: reminds you again ${untilText(a.snoozed_until, now)}`;
    case "acknowledged":
      return `Acknowledged${a.acknowledged_by ? ` by ${plain(a.acknowledged_by, 100)}` : ""}: no more reminders`;
    case "resolved":
      return `Resolved${a.resolve_reason ? `: ${plain(a.resolve_reason, 200)}` : ""}`;
    default:
      return "";
  }
}
