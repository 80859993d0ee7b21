// The alerts window: the ordered open list, the collapsible recent list, the
// demo banner and intake status, and the detail of one alert. Kept current
// by the `engine-event`, `app-status` and `focus-alert` events; every change
// reloads from `list_alerts`, so the window never drifts from the engine.

import type { Backend, Unlisten } from "../api/api";
import { toCommandError } from "../api/api";
import type { AlertList, AppStatus, EngineEvent } from "../api/types";
import { byTestId, h } from "../lib/dom";
import { orderAlerts, orderRecent } from "../lib/order";
import { plain } from "../lib/text";
import { ageText, clockText } from "../lib/time";
import { DetailView } from "./detail";
import { renderRow } from "./row";

/** How often ages ("7 min") are refreshed. */
export const AGE_REFRESH_MS = 30_000;

export interface AlertsOptions {
  now?: () => Date;
  /** The page's query string and hash (`?ticket=ID` or `#ticket=ID` opens that alert). */
  search?: string;
  hash?: string;
  /** Set to false in tests that drive the clock themselves. */
  timers?: boolean;
}

export class AlertsApp {
  private list: AlertList = { open: [], recent: [] };
  private status: AppStatus | null = null;
  private detail: DetailView;
  private selected: number | null = null;
  private unlisten: Unlisten[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private loading: Promise<void> | null = null;
  private dirty = false;
  /** Ends the document-level listeners when the window stops. */
  private listeners = new AbortController();
  private notice = "";
  readonly now: () => Date;
  private search: string;
  private hash: string;

  constructor(
    private doc: Document,
    private backend: Backend,
    options: AlertsOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.search = options.search ?? "";
    this.hash = options.hash ?? "";
    this.detail = new DetailView(byTestId("alert-detail", doc), {
      backend,
      now: this.now,
      changed: () => void this.reload(),
      close: () => this.closeDetail(),
    });
    if (options.timers !== false) {
      this.timer = setInterval(() => this.refreshAges(), AGE_REFRESH_MS);
    }
  }

  /** Loads everything and subscribes to the events. */
  async start(): Promise<void> {
    this.wireStatic();
    this.unlisten.push(
      await this.backend.onEngineEvent((e) => this.onEngineEvent(e)),
      await this.backend.onAppStatus((s) => this.renderStatus(s)),
      await this.backend.onFocusAlert((id) => void this.openDetail(id)),
    );
    await Promise.all([this.reload(), this.loadStatus()]);
    byTestId("mock-badge", this.doc).hidden = this.backend.name !== "mock";
    // A window opened for one alert (`alerts.html#ticket=ID`) shows it at once,
    // even if the shell's focus-alert event came before the page listened.
    const param = (text: string) => new URLSearchParams(text.replace(/^[?#]/, "")).get("ticket");
    const ticket = Number(param(this.search) ?? param(this.hash));
    if (Number.isInteger(ticket) && ticket > 0) await this.openDetail(ticket);
  }

  stop(): void {
    this.unlisten.forEach((u) => u());
    this.unlisten = [];
    this.listeners.abort();
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private wireStatic(): void {
    const d = this.doc;
    byTestId("demo-connect", d).addEventListener("click", () => {
      const err = byTestId("demo-connect-error", d);
      err.hidden = true;
      this.backend.openSettings().catch((e: unknown) => {
        err.textContent = toCommandError(e).message;
        err.hidden = false;
      });
    });
    byTestId("settings-button", d).addEventListener("click", () => {
      this.backend.openSettings().catch((e: unknown) => this.showListError(toCommandError(e).message));
    });
    for (const listId of ["open-list", "recent-list"]) {
      byTestId(listId, d).addEventListener("click", (event) => {
        const target = event.target as Element;
        const row = target.closest<HTMLElement>('[data-testid="alert-row"]');
        if (!row) return;
        const id = Number(row.dataset.ticketId);
        if (target.closest('[data-testid="alert-ack"]')) void this.acknowledgeFromRow(row, id);
        else if (target.closest('[data-testid="alert-open"]')) void this.openDetail(id);
      });
    }
    const signal = this.listeners.signal;
    d.addEventListener(
      "keydown",
      (event) => {
        if (event.key !== "Escape" || this.selected === null) return;
        event.preventDefault();
        this.detail.escape();
      },
      { signal },
    );
    d.addEventListener(
      "visibilitychange",
      () => {
        if (d.visibilityState === "visible") this.refreshAges();
      },
      { signal },
    );
  }

  /** Reloads the lists (and the open detail); calls made meanwhile coalesce into one more. */
  reload(): Promise<void> {
    if (this.loading) {
      this.dirty = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.dirty = false;
        try {
          this.list = await this.backend.listAlerts();
          this.renderLists();
          this.showListError(null);
          if (this.selected !== null) await this.refreshDetail(this.selected);
        } catch (e) {
          this.showListError(toCommandError(e).message);
        }
      } while (this.dirty);
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async loadStatus(): Promise<void> {
    try {
      this.renderStatus(await this.backend.appStatus());
    } catch (e) {
      this.showListError(toCommandError(e).message);
    }
  }

  private onEngineEvent(event: EngineEvent): void {
    switch (event.event) {
      case "alert_changed":
      case "alerts_changed":
      case "written":
        void this.reload();
        break;
      case "outbox_failed":
        this.notice = `Halo did not accept “${plain(event.kind, 40)}” on #${event.ticket_id}: ${plain(event.error, 500)}`;
        this.renderNotice();
        void this.reload();
        break;
      case "intake":
        if (this.status) this.renderStatus({ ...this.status, intake: event.status });
        break;
      case "paused":
        if (this.status) this.renderStatus({ ...this.status, paused_until: event.until });
        break;
      case "notified":
        break;
    }
  }

  // ---- rendering ----

  private renderLists(): void {
    const d = this.doc;
    const now = this.now();
    const open = orderAlerts(this.list.open);
    const recent = orderRecent(this.list.recent);
    const openList = byTestId("open-list", d);
    const focusedRow = d.activeElement?.closest<HTMLElement>('[data-testid="alert-row"]');
    const focusKey = focusedRow
      ? { id: focusedRow.dataset.ticketId, part: d.activeElement?.getAttribute("data-testid") }
      : null;
    openList.replaceChildren(...open.map((a) => renderRow(a, now, true)));
    byTestId("recent-list", d).replaceChildren(...recent.map((a) => renderRow(a, now, false)));
    byTestId("open-count", d).textContent = String(open.length);
    byTestId("recent-count", d).textContent = String(recent.length);
    byTestId("empty-open", d).hidden = open.length > 0;
    byTestId("recent-empty", d).hidden = recent.length > 0;
    this.markSelected();
    d.title = open.length > 0 ? `(${open.length}) Halo Notifier: alerts` : "Halo Notifier: alerts";
    // Keep keyboard focus where it was across a live reload.
    if (focusKey?.id) {
      const again = d.querySelector<HTMLElement>(
        `[data-testid="alert-row"][data-ticket-id="${focusKey.id}"] [data-testid="${focusKey.part}"]`,
      );
      again?.focus();
    }
  }

  renderStatus(status: AppStatus): void {
    this.status = status;
    const d = this.doc;
    byTestId("demo-banner", d).hidden = status.mode !== "demo";
    const intake = byTestId("intake-status", d);
    if (!status.intake.ok) {
      const age = status.intake.last_poll_at ? ageText(status.intake.last_poll_at, this.now()) : null;
      const since = age === null ? "" : age === "just now" ? " (last poll just now)" : ` (last poll ${age} ago)`;
      intake.textContent = `Not receiving tickets: ${plain(status.intake.problem, 500) || "Halo cannot be reached"}${since}`;
      intake.hidden = false;
    } else {
      intake.textContent = "";
      intake.hidden = true;
    }
    const paused = byTestId("paused-status", d);
    paused.hidden = !status.paused_until;
    paused.textContent = status.paused_until
      ? `Notifications paused until ${clockText(status.paused_until)}`
      : "";
  }

  private renderNotice(): void {
    const el = byTestId("outbox-error", this.doc);
    el.textContent = this.notice;
    el.hidden = !this.notice;
  }

  private showListError(message: string | null): void {
    const el = byTestId("list-error", this.doc);
    el.textContent = message ?? "";
    el.hidden = !message;
  }

  /** Ages are relative to now: refresh them in place. */
  refreshAges(): void {
    const now = this.now();
    this.doc.querySelectorAll<HTMLElement>("[data-since]").forEach((el) => {
      el.textContent = ageText(el.dataset.since, now);
    });
    this.detail.refreshTimes();
  }

  // ---- actions and detail ----

  private async acknowledgeFromRow(row: HTMLElement, id: number): Promise<void> {
    const err = row.querySelector<HTMLElement>('[data-testid="alert-ack-error"]');
    const btn = row.querySelector<HTMLButtonElement>('[data-testid="alert-ack"]');
    if (err) err.hidden = true;
    if (btn) btn.disabled = true;
    try {
      await this.backend.acknowledge(id);
      await this.reload();
      // The row is gone: keep focus in the list.
      const next = this.doc.querySelector<HTMLElement>('[data-testid="open-list"] [data-testid="alert-open"]');
      next?.focus();
    } catch (e) {
      if (err) {
        err.textContent = toCommandError(e).message;
        err.hidden = false;
      }
      if (btn) btn.disabled = false;
    }
  }

  async openDetail(ticketId: number): Promise<void> {
    this.selected = ticketId;
    const d = this.doc;
    d.body.classList.add("showing-detail");
    byTestId("alert-detail", d).hidden = false;
    this.markSelected();
    await this.refreshDetail(ticketId);
    if (this.selected === ticketId) this.detail.focusTitle();
  }

  private async refreshDetail(ticketId: number): Promise<void> {
    try {
      const detail = await this.backend.alertDetail(ticketId);
      if (this.selected === ticketId) this.detail.show(detail);
    } catch (e) {
      if (this.selected !== ticketId) return;
      this.detail.root.replaceChildren(
        h("p", { class: "action-error", "data-testid": "detail-error", role: "alert", text: toCommandError(e).message }),
        this.backButton(),
      );
    }
  }

  private backButton(): HTMLElement {
    const back = h("button", { type: "button", class: "back", "data-testid": "detail-close", text: "← Back" });
    back.addEventListener("click", () => this.closeDetail());
    return back;
  }

  closeDetail(): void {
    const id = this.selected;
    this.selected = null;
    const d = this.doc;
    d.body.classList.remove("showing-detail");
    const pane = byTestId("alert-detail", d);
    pane.hidden = true;
    pane.replaceChildren();
    this.markSelected();
    if (id !== null) {
      d.querySelector<HTMLElement>(`[data-testid="alert-row"][data-ticket-id="${id}"] [data-testid="alert-open"]`)?.focus();
    }
  }

  private markSelected(): void {
    this.doc.querySelectorAll<HTMLElement>('[data-testid="alert-row"]').forEach((row) => {
      const on = this.selected !== null && row.dataset.ticketId === String(this.selected);
      row.classList.toggle("selected", on);
      row.querySelector('[data-testid="alert-open"]')?.setAttribute("aria-current", on ? "true" : "false");
    });
  }

  /** For tests. */
  get selectedTicket(): number | null {
    return this.selected;
  }
}
