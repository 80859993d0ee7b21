// A backend with no Rust behind it: a demo desk kept in memory that behaves
// like the command surface (same shapes, same errors, events after changes).
// Unit tests drive it directly; `?mock=1` opens the pages in a plain browser.
//
// URL options: `mode=live`, `intake=error`, `hostile=1`, `empty=1`,
// `fail=take,close_ticket` (those commands fail with a Halo error),
// `secret=1` (a secret is stored).

import type { Backend, Unlisten } from "./api";
import { CLOSED_STATUSES, exampleSettings, hostileTicket, sampleTickets, type MockTicket } from "./mock-data";
import type {
  AlertDetail,
  AlertList,
  AlertView,
  AppStatus,
  ClosedStatus,
  CommandError,
  ConnectionReport,
  EngineEvent,
  SettingsForm,
  Team,
  TemplatePreview,
  WebhookSetup,
  WebhookToken,
} from "./types";

export interface MockOptions {
  search?: string;
  now?: () => Date;
}

const DAY_MS = 24 * 3600 * 1000;
const TEAMS: Team[] = [
  { id: 1, name: "Service Desk" },
  { id: 2, name: "Infrastructure" },
  { id: 3, name: "Projects" },
  { id: 4, name: "Field Engineers" },
];

function fail(kind: CommandError["kind"], message: string, fields?: Record<string, string>): never {
  const error: CommandError = fields ? { kind, message, fields } : { kind, message };
  throw error;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class MockBackend implements Backend {
  readonly name = "mock" as const;
  /** Every command called, in order, for tests. */
  readonly calls: { command: string; args: unknown }[] = [];
  private tickets = new Map<number, MockTicket>();
  private settings: SettingsForm;
  private status: AppStatus;
  private failing: Set<string>;
  private webhookToken: string | null = null;
  private engineHandlers = new Set<(e: EngineEvent) => void>();
  private statusHandlers = new Set<(s: AppStatus) => void>();
  private focusHandlers = new Set<(id: number) => void>();
  private now: () => Date;

  constructor(options: MockOptions = {}) {
    const q = new URLSearchParams(options.search ?? "");
    this.now = options.now ?? (() => new Date());
    const now = this.now();
    if (q.get("empty") !== "1") {
      for (const t of sampleTickets(now)) this.tickets.set(t.alert.ticket_id, t);
    }
    if (q.get("hostile") === "1") {
      const t = hostileTicket(now);
      this.tickets.set(t.alert.ticket_id, t);
    }
    this.failing = new Set((q.get("fail") ?? "").split(",").filter(Boolean));
    this.settings = exampleSettings();
    this.settings.halo.secret_stored = q.get("secret") === "1";
    const live = q.get("mode") === "live";
    this.settings.demo = !live;
    if (!live) {
      this.settings.halo.url = null;
      this.settings.halo.tenant = null;
      this.settings.halo.client_id = null;
    }
    const intakeError = q.get("intake") === "error";
    this.status = {
      mode: live ? "live" : "demo",
      intake: {
        ok: !intakeError,
        last_poll_at: new Date(now.getTime() - 20_000).toISOString(),
        problem: intakeError
          ? "Halo refused the client secret (401): enter a new secret in Settings > Halo connection"
          : null,
        budget: "12 requests in the last 5 min (4% of Halo's 300), 130 in the last hour",
      },
      paused_until: null,
      open: 0,
      critical: 0,
      tray: "idle",
    };
    this.refreshStatus(false);
  }

  // ---- helpers ----

  private record(command: string, args?: unknown) {
    this.calls.push({ command, args: args ?? null });
    if (this.failing.has(command)) {
      fail("halo", `Halo did not accept ${command.replace("_", " ")} (503): try again in a minute`);
    }
  }

  private ticket(ticketId: number): MockTicket {
    const t = this.tickets.get(ticketId);
    if (!t) fail("not_found", `Ticket #${ticketId} has no alert any more: reload the list`);
    return t;
  }

  private openTicket(ticketId: number): MockTicket {
    const t = this.ticket(ticketId);
    if (t.alert.state === "resolved") fail("not_found", `The alert for #${ticketId} is already resolved`);
    return t;
  }

  private emit(event: EngineEvent) {
    const copy = clone(event);
    queueMicrotask(() => this.engineHandlers.forEach((h) => h(copy)));
  }

  private changed(t: MockTicket, kind: string, detail: string) {
    const at = this.now().toISOString();
    t.alert.updated_at = at;
    t.timeline.push({ at, kind, detail });
    this.emit({ event: "alert_changed", alert: t.alert });
    this.refreshStatus(true);
  }

  private isOpen(a: AlertView) {
    return a.state === "triggered" || a.state === "snoozed";
  }

  private refreshStatus(announce: boolean) {
    const open = [...this.tickets.values()].filter((t) => this.isOpen(t.alert));
    const critical = open.filter((t) => t.alert.priority_id === 1 && t.alert.state === "triggered").length;
    const s = this.status;
    s.open = open.length;
    s.critical = critical;
    s.tray = !s.intake.ok
      ? "error"
      : s.paused_until
        ? "paused"
        : critical > 0
          ? "critical"
          : open.length > 0
            ? "alerts"
            : "idle";
    if (announce) {
      const copy = clone(s);
      queueMicrotask(() => this.statusHandlers.forEach((h) => h(copy)));
    }
  }

  /** Tests and the dev page: a new ticket arrives. */
  addTicket(t: MockTicket) {
    this.tickets.set(t.alert.ticket_id, clone(t));
    this.emit({ event: "alert_changed", alert: t.alert });
    this.refreshStatus(true);
  }

  /** Tests: the tray or a notification asks to show one alert. */
  focus(ticketId: number) {
    queueMicrotask(() => this.focusHandlers.forEach((h) => h(ticketId)));
  }

  /** Tests: intake changes (e.g. Halo starts failing). */
  setIntake(intake: AppStatus["intake"]) {
    this.status.intake = clone(intake);
    this.emit({ event: "intake", status: intake });
    this.refreshStatus(true);
  }

  // ---- alerts ----

  async listAlerts(): Promise<AlertList> {
    this.record("list_alerts");
    const now = this.now().getTime();
    const all = [...this.tickets.values()].map((t) => t.alert);
    return clone({
      open: all.filter((a) => this.isOpen(a)),
      recent: all.filter(
        (a) => !this.isOpen(a) && now - Date.parse(a.resolved_at ?? a.updated_at) < DAY_MS,
      ),
    });
  }

  async alertDetail(ticketId: number): Promise<AlertDetail> {
    this.record("alert_detail", { ticketId });
    const t = this.ticket(ticketId);
    return clone({ alert: t.alert, detailsHtml: t.detailsHtml, timeline: t.timeline });
  }

  async acknowledge(ticketId: number): Promise<AlertView> {
    this.record("acknowledge", { ticketId });
    const t = this.openTicket(ticketId);
    t.alert.state = "acknowledged";
    t.alert.acknowledged_by = "You (demo)";
    t.alert.escalation = null;
    t.alert.next_notification_at = null;
    t.alert.snoozed_until = null;
    this.changed(t, "acknowledged", "Acknowledged by You (demo)");
    return clone(t.alert);
  }

  async acknowledgeAll(): Promise<number> {
    this.record("acknowledge_all");
    let n = 0;
    for (const t of this.tickets.values()) {
      if (this.isOpen(t.alert)) {
        await this.acknowledge(t.alert.ticket_id);
        n += 1;
      }
    }
    return n;
  }

  async snooze(ticketId: number, minutes: number): Promise<AlertView> {
    this.record("snooze", { ticketId, minutes });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 7 * 24 * 60) {
      fail("validation", "Snooze for 1 minute up to 7 days");
    }
    const t = this.openTicket(ticketId);
    const until = new Date(this.now().getTime() + minutes * 60_000).toISOString();
    t.alert.state = "snoozed";
    t.alert.snoozed_until = until;
    t.alert.next_notification_at = until;
    t.alert.escalation = null;
    this.changed(t, "snoozed", `Snoozed for ${minutes} min`);
    return clone(t.alert);
  }

  async take(ticketId: number): Promise<null> {
    this.record("take", { ticketId });
    const t = this.openTicket(ticketId);
    t.alert.ticket.agent_id = 99;
    t.alert.ticket.agent_name = "You (demo)";
    this.changed(t, "taken", "Assigned to You (demo) in Halo");
    this.emit({ event: "written", ticket_id: ticketId, kind: "take" });
    return null;
  }

  async closedStatuses(): Promise<ClosedStatus[]> {
    this.record("closed_statuses");
    return clone(CLOSED_STATUSES);
  }

  async closeTicket(ticketId: number, note: string, statusId: number): Promise<null> {
    this.record("close_ticket", { ticketId, note, statusId });
    const status = CLOSED_STATUSES.find((s) => s.id === statusId);
    if (!status) fail("validation", "Choose one of Halo's closed statuses");
    const t = this.openTicket(ticketId);
    t.alert.state = "resolved";
    t.alert.resolved_at = this.now().toISOString();
    t.alert.resolve_reason = `closed as ${status.name}`;
    t.alert.escalation = null;
    t.alert.next_notification_at = null;
    t.alert.ticket.status_name = status.name;
    this.changed(t, "resolved", note.trim() ? `Closed as ${status.name}: ${note}` : `Closed as ${status.name}`);
    this.emit({ event: "written", ticket_id: ticketId, kind: "close" });
    return null;
  }

  async openInHalo(ticketId: number): Promise<null> {
    this.record("open_in_halo", { ticketId });
    this.ticket(ticketId);
    return null;
  }

  async sendTestAlert(): Promise<null> {
    this.record("send_test_alert");
    return null;
  }

  async pause(minutes: number | null): Promise<{ until: string | null }> {
    this.record("pause", { minutes });
    const until = minutes === null ? null : new Date(this.now().getTime() + minutes * 60_000).toISOString();
    this.status.paused_until = until;
    this.emit({ event: "paused", until });
    this.refreshStatus(true);
    return { until };
  }

  async appStatus(): Promise<AppStatus> {
    this.record("app_status");
    return clone(this.status);
  }

  async openSettings(): Promise<null> {
    this.record("open_settings");
    if (typeof window !== "undefined" && typeof window.open === "function" && !navigator.userAgent.includes("jsdom")) {
      window.open("settings.html?mock=1", "_blank", "noopener");
    }
    return null;
  }

  // ---- settings ----

  async getSettings(): Promise<SettingsForm> {
    this.record("get_settings");
    return clone(this.settings);
  }

  async saveSettings(form: SettingsForm): Promise<SettingsForm> {
    this.record("save_settings", { form: { ...form, halo: { ...form.halo, secret: form.halo.secret ? "***" : null } } });
    const fields: Record<string, string> = {};
    const url = form.halo.url?.trim() ?? "";
    if (url && !/^https:\/\//i.test(url) && !form.halo.allow_insecure_http) {
      fields["halo.url"] = "Halo must be reached over https://: check the address";
    }
    if (url && !form.halo.client_id?.trim()) {
      fields["halo.client_id"] = "is missing: create an API application in Halo and paste its client ID";
    }
    if (!/^[^\s:]+:\d{1,5}$/.test(form.webhook.bind.trim()) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(form.webhook.bind.trim())) {
      fields["webhook.bind"] = `"${form.webhook.bind}" is not an address:port such as 127.0.0.1:8787`;
    }
    if (Object.keys(fields).length > 0) fail("validation", "Some settings need fixing: see the marked fields", fields);
    const saved = clone(form);
    if (form.halo.secret) saved.halo.secret_stored = true;
    saved.halo.secret = null;
    saved.webhook.token_stored = this.settings.webhook.token_stored;
    this.settings = saved;
    return clone(saved);
  }

  async testConnection(form: SettingsForm): Promise<ConnectionReport> {
    this.record("test_connection", { form: { ...form, halo: { ...form.halo, secret: null } } });
    const url = form.halo.url?.trim() ?? "";
    const problems: ConnectionReport["problems"] = [];
    if (!url) problems.push({ what: "No Halo address", fix: "Enter your Halo web address, e.g. https://yourcompany.halopsa.com" });
    else if (/unreachable|invalid/.test(url)) problems.push({ what: `${url} cannot be reached`, fix: "Check the address and your network, then test again" });
    if (!form.halo.secret && !form.halo.secret_stored) {
      problems.push({ what: "No client secret stored", fix: "Paste the API application's client secret" });
    }
    if (problems.length > 0) {
      return { ok: false, problems, agent: null, teams: [], closed_statuses: [], budget: "" };
    }
    return {
      ok: true,
      problems: [],
      agent: "Alex Tech",
      teams: TEAMS.map((t) => t.name),
      closed_statuses: CLOSED_STATUSES.map((s) => s.name),
      budget: "3 requests in the last 5 min (1% of Halo's 300)",
    };
  }

  async listTeams(form: SettingsForm): Promise<Team[]> {
    this.record("list_teams", { form: null });
    if (!form.halo.url && !form.demo) fail("halo", "Enter your Halo address and test the connection first");
    return clone(TEAMS);
  }

  async previewTemplate(form: SettingsForm): Promise<TemplatePreview> {
    this.record("preview_template", { form: null });
    const sample: Record<string, string> = {
      id: "1042",
      summary: "Email server down for the whole office",
      details: "Since 09:10 nobody can send or receive email.",
      priority: "P1 - Critical",
      status: "New",
      team: "Service Desk",
      agent: "Unassigned",
      client_name: "Contoso Ltd",
      site_name: "London HQ",
      user_name: "Priya Shah",
      tickettype: "Incident",
      age: "7 min",
    };
    const fields: Record<string, string> = {};
    const render = (key: "title" | "body", text: string) =>
      text.replace(/\{([^{}]*)\}/g, (whole, name: string) => {
        if (name in sample) return sample[name] ?? "";
        fields[`templates.${key}`] = `{${name}} is not a field: use one of ${Object.keys(sample).join(", ")}`;
        return whole;
      });
    const title = render("title", form.templates.title);
    const body = render("body", form.templates.body);
    if (Object.keys(fields).length > 0) fail("validation", "A template names an unknown field", fields);
    return { title, body };
  }

  async regenerateWebhookToken(): Promise<WebhookToken> {
    this.record("regenerate_webhook_token");
    this.webhookToken = Array.from({ length: 24 }, () => "abcdefghjkmnpqrstuvwxyz23456789"[Math.floor(Math.random() * 31)]).join("");
    this.settings.webhook.token_stored = true;
    return { url: `http://${this.settings.webhook.bind}/webhook/${this.webhookToken}`, token_stored: true };
  }

  async webhookSetup(): Promise<WebhookSetup> {
    this.record("webhook_setup");
    if (!this.webhookToken) fail("not_found", "No webhook token yet: press Regenerate token first");
    const url = `http://${this.settings.webhook.bind}/webhook/${this.webhookToken}`;
    return {
      url,
      bodyJson: JSON.stringify(
        { ticket_id: "$TICKETID", summary: "$SYMPTOM", status_id: "$STATUSID", priority_id: "$PRIORITYID" },
        null,
        2,
      ),
      events: ["New Ticket Logged", "Ticket Status Changed"],
    };
  }

  async openLogFolder(): Promise<null> {
    this.record("open_log_folder");
    return null;
  }

  // ---- events ----

  async onEngineEvent(handler: (event: EngineEvent) => void): Promise<Unlisten> {
    this.engineHandlers.add(handler);
    return () => this.engineHandlers.delete(handler);
  }
  async onAppStatus(handler: (status: AppStatus) => void): Promise<Unlisten> {
    this.statusHandlers.add(handler);
    return () => this.statusHandlers.delete(handler);
  }
  async onFocusAlert(handler: (ticketId: number) => void): Promise<Unlisten> {
    this.focusHandlers.add(handler);
    return () => this.focusHandlers.delete(handler);
  }
}
