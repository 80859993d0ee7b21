// The settings window: the whole config as one form, saved by one command
// (nothing half-saved). Client-side checks first, then the Rust side's
// `validation` errors placed next to their fields. Test connection, the team
// picker, the template preview and the webhook set-up talk to Halo through
// the same form, so they test what is typed, not what was saved.

import type { Backend } from "../api/api";
import { toCommandError } from "../api/api";
import type { ConnectionReport, EscalationPolicy, SettingsForm, Team, TeamRef } from "../api/types";
import { byTestId, debounce, h } from "../lib/dom";
import { plain } from "../lib/text";
import { Binder, placeErrors } from "./controls";
import { validateSettings } from "./validate";

export const PREVIEW_DELAY_MS = 400;

export interface SettingsOptions {
  previewDelayMs?: number;
  /** Clipboard writer; tests replace it. */
  copy?: (text: string) => Promise<void>;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The form as it is sent: the secret only when the user typed one. */
export function formForSave(form: SettingsForm): SettingsForm {
  const out = clone(form);
  const secret = out.halo.secret?.trim() ?? "";
  out.halo.secret = secret === "" ? null : secret;
  return out;
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Older WebKit: copy from a hidden textarea.
  const area = h("textarea", { class: "visually-hidden", readonly: true, "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy failed");
}

export class SettingsApp {
  form!: SettingsForm;
  private saved!: SettingsForm;
  private binder: Binder;
  private teams: Team[] | null = null;
  private previewSoon: () => void;
  private copy: (text: string) => Promise<void>;

  constructor(
    private doc: Document,
    private backend: Backend,
    options: SettingsOptions = {},
  ) {
    this.binder = new Binder(
      () => this.form,
      () => this.markDirty(),
    );
    this.previewSoon = debounce(() => void this.preview(), options.previewDelayMs ?? PREVIEW_DELAY_MS);
    this.copy = options.copy ?? copyText;
  }

  async start(): Promise<void> {
    byTestId("mock-badge", this.doc).hidden = this.backend.name !== "mock";
    byTestId("settings-form", this.doc).addEventListener("submit", (e) => {
      e.preventDefault();
      void this.save();
    });
    byTestId("settings-revert", this.doc).addEventListener("click", () => {
      this.form = clone(this.saved);
      this.binder.parseErrors.clear();
      this.render();
      this.status("Changes undone.");
    });
    try {
      this.saved = await this.backend.getSettings();
    } catch (e) {
      this.showSaveError(`Could not load the settings: ${toCommandError(e).message}`);
      return;
    }
    this.form = clone(this.saved);
    this.form.halo.secret = null;
    this.render();
    await Promise.all([this.preview(), this.saved.webhook.token_stored ? this.webhookSetup() : Promise.resolve()]);
  }

  get dirty(): boolean {
    const a = formForSave(this.form);
    const b = formForSave(this.saved);
    return JSON.stringify(a) !== JSON.stringify(b);
  }

  private markDirty(): void {
    byTestId("unsaved", this.doc).hidden = !this.dirty;
  }

  private status(text: string): void {
    byTestId("save-status", this.doc).textContent = text;
  }

  private showSaveError(text: string | null): void {
    const el = byTestId("save-error", this.doc);
    el.textContent = text ?? "";
    el.hidden = !text;
  }

  // ---- save ----

  /** Validates, then saves everything in one command. Resolves to whether it saved. */
  async save(): Promise<boolean> {
    this.showSaveError(null);
    this.status("");
    const root = byTestId("settings-form", this.doc);
    const errors: Record<string, string> = { ...validateSettings(this.form) };
    for (const [path, message] of this.binder.parseErrors) errors[path] = message;
    if (Object.keys(errors).length > 0) {
      const unplaced = placeErrors(root, errors);
      this.showSaveError(
        [`Nothing was saved: fix the ${Object.keys(errors).length === 1 ? "marked field" : `${Object.keys(errors).length} marked fields`}.`, ...unplaced].join(" "),
      );
      return false;
    }
    placeErrors(root, {});
    const button = byTestId<HTMLButtonElement>("settings-save", this.doc);
    button.disabled = true;
    this.status("Saving…");
    try {
      const saved = await this.backend.saveSettings(formForSave(this.form));
      this.saved = saved;
      this.form = clone(saved);
      this.form.halo.secret = null;
      this.render();
      this.status("Saved.");
      return true;
    } catch (raw) {
      const e = toCommandError(raw);
      this.status("");
      const unplaced = e.fields ? placeErrors(root, e.fields) : [];
      this.showSaveError([`Nothing was saved: ${e.message}`, ...unplaced].join(" "));
      return false;
    } finally {
      button.disabled = false;
    }
  }

  // ---- rendering ----

  render(): void {
    const root = byTestId("settings-sections", this.doc);
    root.replaceChildren(
      this.haloSection(),
      this.watchSection(),
      this.escalationSection(),
      this.scheduleSection(),
      this.groupingSection(),
      this.templatesSection(),
      this.webhookSection(),
      this.generalSection(),
    );
    this.markDirty();
  }

  private section(key: string, title: string, intro: string | null, ...body: (Node | null)[]): HTMLElement {
    return h(
      "section",
      { class: "settings-section", "data-testid": `section-${key}`, "aria-labelledby": `h-${key}` },
      h("h2", { id: `h-${key}`, text: title }),
      intro ? h("p", { class: "intro", text: intro }) : null,
      this.binder.errorSlot(key),
      ...body,
    );
  }

  private haloSection(): HTMLElement {
    const b = this.binder;
    const f = this.form.halo;
    const secretStatus = h("p", {
      class: "secret-status",
      "data-testid": "secret-status",
      id: "secret-status",
      text: f.secret_stored
        ? "A secret is stored in the OS keyring. Type a new one only to replace it."
        : "No secret is stored yet.",
    });
    const secret = b.field("halo.secret", "Client secret", "optional-text", {
      type: "password",
      autocomplete: "new-password",
      placeholder: f.secret_stored ? "•••••••• (stored; type to replace)" : "Paste the client secret",
    });
    secret.querySelector("input")?.setAttribute("aria-describedby", `secret-status ${secret.querySelector("input")?.getAttribute("aria-describedby") ?? ""}`.trim());
    secret.insertBefore(secretStatus, secret.querySelector(".field-error"));

    const report = h("div", { class: "report", "data-testid": "connection-report", role: "status", "aria-live": "polite" });
    const test = h("button", { type: "button", "data-testid": "test-connection", text: "Test connection" });
    test.addEventListener("click", () => void this.testConnection(test, report));

    return this.section(
      "halo",
      "Halo connection",
      "The API application in Halo (Configuration > Integrations > Halo API) with “Client ID and Secret (Services)”, permissions read:tickets, edit:tickets and all:teams.",
      b.field("halo.url", "Halo address", "optional-text", {
        type: "url",
        placeholder: "https://yourcompany.halopsa.com",
        help: "Your Halo web address, as in the browser. Empty: the app runs its demo.",
      }),
      b.field("halo.tenant", "Tenant", "optional-text", { help: "For Halo-hosted instances; leave empty on-premise." }),
      b.field("halo.client_id", "Client ID", "optional-text", { placeholder: "00000000-0000-0000-0000-000000000000" }),
      secret,
      b.field("halo.scope", "Scope", "optional-text", { placeholder: "all" }),
      h(
        "details",
        { class: "more", "data-testid": "halo-advanced" },
        h("summary", { text: "More connection options" }),
        b.field("halo.auth_server", "Authorisation server", "optional-text", { type: "url", help: "Only if it is not on the Halo host." }),
        b.field("halo.allow_insecure_http", "Allow plain http:// (testing only)", "bool"),
        b.field("halo.display_name", "Name in “Acknowledged by …” notes", "optional-text", { help: "Empty: your Halo agent name." }),
        b.field("halo.closed_status_ids", "Status ids that count as closed", "ids", { help: "Empty: every status Halo marks closed." }),
      ),
      h("div", { class: "row-actions" }, test),
      report,
    );
  }

  private async testConnection(button: HTMLButtonElement, out: HTMLElement): Promise<void> {
    button.disabled = true;
    out.replaceChildren(h("p", { text: "Testing…" }));
    try {
      renderReport(out, await this.backend.testConnection(formForSave(this.form)));
    } catch (raw) {
      const e = toCommandError(raw);
      out.replaceChildren(h("p", { class: "action-error", "data-testid": "connection-error", role: "alert", text: e.message }));
      // "Enter your Halo address" and the like belong next to the field too.
      if (e.fields) placeErrors(byTestId("settings-form", this.doc), e.fields);
    } finally {
      button.disabled = false;
    }
  }

  private watchSection(): HTMLElement {
    const b = this.binder;
    const teamBox = h("div", { class: "team-picker", "data-testid": "team-picker" });
    this.renderTeams(teamBox);
    const load = h("button", { type: "button", "data-testid": "load-teams", text: "Load teams from Halo" });
    const loadError = h("p", { class: "action-error", "data-testid": "load-teams-error", role: "alert", hidden: true });
    load.addEventListener("click", async () => {
      load.disabled = true;
      loadError.hidden = true;
      try {
        this.teams = await this.backend.listTeams(formForSave(this.form));
        this.renderTeams(teamBox);
      } catch (raw) {
        const e = toCommandError(raw);
        loadError.textContent = e.message;
        loadError.hidden = false;
        if (e.fields) placeErrors(byTestId("settings-form", this.doc), e.fields);
      } finally {
        load.disabled = false;
      }
    });
    return this.section(
      "watch",
      "What to watch",
      null,
      h(
        "fieldset",
        { class: "group" },
        h("legend", { text: "Teams whose new tickets alert you" }),
        teamBox,
        h("div", { class: "row-actions" }, load),
        loadError,
        this.binder.errorSlot("watch.teams"),
      ),
      b.field("watch.assigned_to_me", "Also tickets assigned to me, in any team", "bool"),
      h(
        "fieldset",
        { class: "group", "data-testid": "triggers" },
        h("legend", { text: "Alert when" }),
        b.field("triggers.new_ticket_in_watched_team", "A new ticket is logged in a watched team", "bool"),
        b.field("triggers.assigned_to_me", "A ticket is assigned to me", "bool"),
        b.field("triggers.customer_reply_on_my_ticket", "The end user replies on my ticket", "bool"),
        b.field("triggers.status_into", "A ticket moves into status ids", "ids", { help: "e.g. 3 for “Action Required”; empty for none." }),
        this.binder.errorSlot("triggers"),
      ),
      h(
        "details",
        { class: "more", "data-testid": "filters" },
        h("summary", { text: "Filters (every filter that is set must match)" }),
        b.field("filters.teams", "Teams (names or ids)", "teams"),
        b.field("filters.agents", "Agent ids", "ids"),
        b.field("filters.priorities", "Priority ids", "ids"),
        b.field("filters.ticket_types", "Ticket type ids", "ids"),
        b.field("filters.clients", "Clients", "strings"),
        b.field("filters.sites", "Sites", "strings"),
        b.field("filters.summary_regex", "Summary matches (regular expression)", "optional-text", { placeholder: "(?i)outage|down" }),
        b.field("filters.client_regex", "Client matches (regular expression)", "optional-text"),
        b.field("filters.exclude_summary_regex", "Ignore summaries matching", "optional-text", { placeholder: "(?i)newsletter|out of office" }),
        this.binder.errorSlot("filters"),
      ),
      h(
        "fieldset",
        { class: "group" },
        h("legend", { text: "When I acknowledge" }),
        b.field("acknowledge.take", "Also assign the ticket to me in Halo", "bool"),
        b.field("acknowledge.note", "Also add a private note “Acknowledged by …”", "bool"),
      ),
      h(
        "details",
        { class: "more" },
        h("summary", { text: "Polling" }),
        b.field("watch.poll_interval", "Ask Halo every", "duration", { help: "At least 10s; one request per poll." }),
        b.field("watch.reconcile_every", "Re-check every open ticket every", "duration"),
        b.field("watch.overlap", "Each poll reaches back", "duration"),
      ),
    );
  }

  /** Teams Halo returned (once loaded) plus the ones already chosen. */
  private renderTeams(box: HTMLElement): void {
    const chosen = this.form.watch.teams;
    const matches = (ref: TeamRef, team: Team) =>
      typeof ref === "number" ? ref === team.id : ref.trim().toLowerCase() === team.name.trim().toLowerCase();
    const rows: { key: string; label: string; checked: boolean; team: Team | null; ref: TeamRef | null }[] = [];
    for (const team of this.teams ?? []) {
      rows.push({ key: `id-${team.id}`, label: plain(team.name, 200), checked: chosen.some((r) => matches(r, team)), team, ref: null });
    }
    for (const ref of chosen) {
      if ((this.teams ?? []).some((t) => matches(ref, t))) continue;
      const label = typeof ref === "number" ? `Team id ${ref}` : plain(ref, 200);
      rows.push({ key: `ref-${String(ref)}`, label, checked: true, team: null, ref });
    }
    box.replaceChildren();
    if (rows.length === 0) {
      box.append(h("p", { class: "help", text: "No teams chosen. Load the list from Halo to pick some." }));
      return;
    }
    rows.forEach((row, i) => {
      const id = `team-${i}`;
      const box1 = h("input", {
        type: "checkbox",
        id,
        "data-testid": "team-option",
        "data-team": row.team ? String(row.team.id) : String(row.ref),
      });
      box1.checked = row.checked;
      box1.addEventListener("change", () => {
        let teams = this.form.watch.teams.filter((r) => (row.team ? !matches(r, row.team) : r !== row.ref));
        if (box1.checked) teams = [...teams, row.team ? row.team.id : (row.ref as TeamRef)];
        this.form.watch.teams = teams;
        this.markDirty();
      });
      box.append(h("div", { class: "field check" }, box1, h("label", { for: id, text: row.label })));
    });
  }

  private escalationSection(): HTMLElement {
    const set = this.form.escalation;
    const names = set ? Object.keys(set.policies) : [];
    const choices: [string, string][] = (names.length ? names : ["critical", "high", "normal", "low"]).map((n) => [n, n]);
    const ensure = () => {
      if (!this.form.escalation) {
        this.form.escalation = { default: "normal", by_priority: { "1": "critical", "2": "high", "3": "normal", "4": "low" }, policies: {} };
      }
      return this.form.escalation;
    };
    const byPriority = set?.by_priority ?? { "1": "critical", "2": "high", "3": "normal", "4": "low" };
    const priorities = [...new Set(["1", "2", "3", "4", ...Object.keys(byPriority)])].sort((a, b) => Number(a) - Number(b));
    const table = h("div", { class: "priority-grid", "data-testid": "priority-policies" });
    for (const p of priorities) {
      const id = `policy-for-${p}`;
      const select = h("select", { id, "data-testid": `field-escalation.by_priority.${p}`, "data-field": `escalation.by_priority.${p}` });
      for (const [v, l] of choices) select.append(h("option", { value: v, text: l }));
      select.value = byPriority[p] ?? set?.default ?? "normal";
      select.addEventListener("change", () => {
        ensure().by_priority[p] = select.value;
        this.markDirty();
      });
      table.append(
        h(
          "div",
          { class: "field" },
          h("label", { for: id, text: `Priority ${p} (P${p})` }),
          select,
          this.binder.errorSlot(`escalation.by_priority.${p}`),
        ),
      );
    }
    const policies = h("div", { class: "policies", "data-testid": "policies" });
    for (const [name, policy] of Object.entries(set?.policies ?? {})) policies.append(this.policyEditor(name, policy));
    if (!set || names.length === 0) {
      policies.append(h("p", { class: "help", text: "Built-in policies: critical (at once, every 2 min for an hour, with sound), high, normal and low (one quiet notification)." }));
    }
    return this.section(
      "escalation",
      "Escalation",
      "How often an alert repeats and when it becomes urgent, by Halo priority.",
      table,
      set
        ? this.binder.field("escalation.default", "Policy for tickets without a priority", "text", { options: choices })
        : null,
      policies,
    );
  }

  private policyEditor(name: string, policy: EscalationPolicy): HTMLElement {
    const b = this.binder;
    const base = `escalation.policies.${name}`;
    const steps = h("ol", { class: "steps" });
    policy.steps.forEach((_, i) => {
      const at = `${base}.steps.${i}`;
      const remove = h("button", { type: "button", class: "link", "data-testid": `remove-step-${name}-${i}`, text: "Remove step" });
      remove.addEventListener("click", () => {
        policy.steps.splice(i, 1);
        this.rerender("escalation");
      });
      steps.append(
        h(
          "li",
          { class: "step", "data-testid": `policy-${name}-step-${i}` },
          h("span", { class: "step-name", text: `Step ${i + 1}` }),
          b.field(`${at}.delay`, "After", "optional-duration", { placeholder: "0s" }),
          b.field(`${at}.urgency`, "Urgency", "text", { options: [["low", "low"], ["normal", "normal"], ["critical", "critical"]] }),
          b.field(`${at}.sound`, "Sound", "bool"),
          b.field(`${at}.repeat_every`, "Repeat every", "optional-duration", { placeholder: "5m" }),
          b.field(`${at}.max_repeats`, "Repeats", "int"),
          remove,
        ),
      );
    });
    const add = h("button", { type: "button", "data-testid": `add-step-${name}`, text: "Add step" });
    add.addEventListener("click", () => {
      policy.steps.push({ delay: "5m", urgency: "normal", sound: false, repeat_every: null, max_repeats: 0 });
      this.rerender("escalation");
    });
    return h(
      "fieldset",
      { class: "group policy", "data-testid": `policy-${name}` },
      h("legend", { text: `Policy “${plain(name, 60)}”` }),
      steps,
      this.binder.errorSlot(`${base}.steps`),
      h("div", { class: "row-actions" }, add),
      b.field(`${base}.loop`, "After the last step, start again", "bool"),
      this.binder.errorSlot(base),
    );
  }

  /** Rebuilds one section after a structural change (a row added or removed). */
  private rerender(key: "escalation" | "schedule"): void {
    const old = this.doc.querySelector(`[data-testid="section-${key}"]`);
    const next = key === "escalation" ? this.escalationSection() : this.scheduleSection();
    old?.replaceWith(next);
    this.markDirty();
  }

  private scheduleSection(): HTMLElement {
    const s = this.form.schedule ?? null;
    const on = h("input", { type: "checkbox", id: "schedule-on", "data-testid": "schedule-enabled" });
    on.checked = s !== null;
    on.addEventListener("change", () => {
      this.form.schedule = on.checked
        ? { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", critical_breaks_through: true, windows: [{ days: "mon-fri", from: "08:00", to: "18:00" }] }
        : null;
      this.rerender("schedule");
    });
    const body: (Node | null)[] = [
      h("div", { class: "field check" }, on, h("label", { for: "schedule-on", text: "Only alert during duty hours" })),
    ];
    if (s) {
      const b = this.binder;
      const windows = h("ul", { class: "windows", "data-testid": "duty-windows" });
      s.windows.forEach((_, i) => {
        const at = `schedule.windows.${i}`;
        const remove = h("button", { type: "button", class: "link", "data-testid": `remove-window-${i}`, text: "Remove" });
        remove.addEventListener("click", () => {
          s.windows.splice(i, 1);
          this.rerender("schedule");
        });
        windows.append(
          h(
            "li",
            { class: "window", "data-testid": `duty-window-${i}` },
            b.field(`${at}.days`, "Days", "text", { placeholder: "mon-fri" }),
            b.field(`${at}.from`, "From", "time", { type: "time" }),
            b.field(`${at}.to`, "To", "time", { type: "time" }),
            remove,
          ),
        );
      });
      const add = h("button", { type: "button", "data-testid": "add-window", text: "Add duty window" });
      add.addEventListener("click", () => {
        s.windows.push({ days: "sat,sun", from: "09:00", to: "13:00" });
        this.rerender("schedule");
      });
      body.push(
        b.field("schedule.timezone", "Time zone", "text", { placeholder: "Europe/London" }),
        windows,
        this.binder.errorSlot("schedule.windows"),
        h("div", { class: "row-actions" }, add),
        b.field("schedule.critical_breaks_through", "Critical alerts break through outside duty hours", "bool"),
      );
    }
    return this.section(
      "schedule",
      "Quiet and duty hours",
      "Outside duty hours alerts are recorded, not shown, and a digest follows when duty starts.",
      ...body,
    );
  }

  private groupingSection(): HTMLElement {
    const b = this.binder;
    return this.section(
      "grouping",
      "Grouping",
      "When many tickets arrive at once for a team, one summary instead of a flood; every alert still escalates.",
      b.field("grouping.enabled", "Group floods of new tickets", "bool"),
      b.field("grouping.threshold", "More than this many alerts", "int"),
      b.field("grouping.window", "Within", "duration"),
    );
  }

  private templatesSection(): HTMLElement {
    const b = this.binder;
    const onChange = () => this.previewSoon();
    const preview = h(
      "div",
      { class: "preview", "data-testid": "template-preview", "aria-live": "polite" },
      h("p", { class: "preview-label", text: "Preview on a sample ticket" }),
      h("p", { class: "preview-title", "data-testid": "preview-title" }),
      h("p", { class: "preview-body", "data-testid": "preview-body" }),
      h("p", { class: "action-error", "data-testid": "preview-error", role: "alert", hidden: true }),
    );
    return this.section(
      "templates",
      "Notification text",
      "Fields: {id} {summary} {details} {priority} {status} {team} {agent} {client_name} {site_name} {user_name} {tickettype} {age}.",
      b.field("templates.title", "Title", "text", { onChange }),
      b.field("templates.body", "Body", "text", { multiline: true, onChange }),
      b.field("templates.summary_title", "Summary title (grouped alerts)", "text", { onChange, help: "Fields: {count} {tickets} {group}." }),
      preview,
    );
  }

  /** Renders the templates as typed on a sample ticket (debounced while typing). */
  async preview(): Promise<void> {
    const title = this.doc.querySelector<HTMLElement>('[data-testid="preview-title"]');
    const body = this.doc.querySelector<HTMLElement>('[data-testid="preview-body"]');
    const error = this.doc.querySelector<HTMLElement>('[data-testid="preview-error"]');
    if (!title || !body || !error) return;
    try {
      const out = await this.backend.previewTemplate(formForSave(this.form));
      title.textContent = plain(out.title, 500);
      body.textContent = plain(out.body, 2000);
      error.hidden = true;
      placeErrors(this.doc.querySelector('[data-testid="section-templates"]') ?? this.doc, {});
    } catch (raw) {
      const e = toCommandError(raw);
      error.textContent = e.message;
      error.hidden = false;
      if (e.fields) placeErrors(this.doc.querySelector('[data-testid="section-templates"]') ?? this.doc, e.fields);
    }
  }

  private webhookSection(): HTMLElement {
    const b = this.binder;
    const w = this.form.webhook;
    const status = h("p", {
      "data-testid": "webhook-token-status",
      text: w.token_stored ? "A token is stored in the OS keyring." : "No token yet: generate one to get the URL for Halo.",
    });
    const regen = h("button", { type: "button", "data-testid": "regenerate-token", text: w.token_stored ? "Regenerate token" : "Generate token" });
    const confirm = h(
      "div",
      { class: "confirm-inline", "data-testid": "regenerate-confirm-step", role: "alertdialog", "aria-labelledby": "regen-q", hidden: true },
      h("p", { id: "regen-q", text: "A new token makes the URL Halo uses now stop working until you paste the new one. Regenerate?" }),
      h("button", { type: "button", class: "danger", "data-testid": "regenerate-confirm", text: "Regenerate" }),
      h("button", { type: "button", "data-testid": "regenerate-cancel", text: "Cancel" }),
    );
    const error = h("p", { class: "action-error", "data-testid": "webhook-error", role: "alert", hidden: true });
    const doRegen = async () => {
      confirm.hidden = true;
      regen.disabled = true;
      error.hidden = true;
      try {
        const token = await this.backend.regenerateWebhookToken();
        this.form.webhook.token_stored = token.token_stored;
        this.saved.webhook.token_stored = token.token_stored;
        status.textContent = "A new token is stored in the OS keyring. Paste the new URL into Halo.";
        regen.textContent = "Regenerate token";
        await this.webhookSetup();
      } catch (e) {
        error.textContent = toCommandError(e).message;
        error.hidden = false;
      } finally {
        regen.disabled = false;
      }
    };
    regen.addEventListener("click", () => {
      if (this.form.webhook.token_stored) {
        confirm.hidden = false;
        confirm.querySelector<HTMLElement>('[data-testid="regenerate-cancel"]')?.focus();
      } else void doRegen();
    });
    confirm.querySelector('[data-testid="regenerate-confirm"]')?.addEventListener("click", () => void doRegen());
    confirm.querySelector('[data-testid="regenerate-cancel"]')?.addEventListener("click", () => {
      confirm.hidden = true;
      regen.focus();
    });
    return this.section(
      "webhook",
      "Webhook",
      "Halo can tell the app about new tickets at once, as well as polling. Halo must be able to reach this address.",
      b.field("webhook.enabled", "Receive Halo webhooks", "bool"),
      b.field("webhook.bind", "Listen on (address:port)", "text", { placeholder: "127.0.0.1:8787" }),
      b.field("webhook.allow_remote", "Allow other machines (put TLS in front)", "bool"),
      b.field("webhook.public_url", "Public address (optional)", "optional-text", {
        type: "url",
        placeholder: "https://notifier.example.com",
        help: "Only if Halo reaches this machine through a proxy or tunnel: the URL given to Halo starts with it.",
      }),
      status,
      h("div", { class: "row-actions" }, regen),
      confirm,
      error,
      h("div", { class: "webhook-setup", "data-testid": "webhook-setup", hidden: true }),
    );
  }

  /** Shows the URL, the custom-integration body and the runbook events, each with a copy button. */
  async webhookSetup(): Promise<void> {
    const box = this.doc.querySelector<HTMLElement>('[data-testid="webhook-setup"]');
    if (!box) return;
    try {
      const setup = await this.backend.webhookSetup();
      const events = setup.events.map((e) => plain(e, 100));
      box.replaceChildren(
        h("h3", { text: "Set it up in Halo" }),
        h("p", { text: "1. The URL for Halo's custom integration (Configuration > Integrations > Custom Integrations):" }),
        this.copyable("webhook-url", plain(setup.url, 500), "Copy URL"),
        h("p", { text: "2. The JSON body to paste into the integration's runbook:" }),
        this.copyable("webhook-body", setup.bodyJson, "Copy JSON"),
        h("p", { text: "3. The events to choose:" }),
        h("ul", { "data-testid": "webhook-events" }, ...events.map((e) => h("li", { text: e }))),
        this.copyable(null, events.join("\n"), "Copy event names", "copy-webhook-events"),
      );
      box.hidden = false;
    } catch (e) {
      box.replaceChildren(h("p", { class: "action-error", role: "alert", "data-testid": "webhook-setup-error", text: toCommandError(e).message }));
      box.hidden = false;
    }
  }

  private copyable(testid: string | null, text: string, label: string, buttonId?: string): HTMLElement {
    const wrap = h("div", { class: "copyable" });
    if (testid) wrap.append(h("pre", { "data-testid": testid, tabindex: "0", text }));
    const done = h("span", { class: "copied", role: "status" });
    const btn = h("button", { type: "button", "data-testid": buttonId ?? `copy-${testid}`, text: label });
    btn.addEventListener("click", () => {
      this.copy(text).then(
        () => (done.textContent = "Copied"),
        () => (done.textContent = "Could not copy: select the text and press Ctrl+C"),
      );
    });
    wrap.append(h("div", { class: "row-actions" }, btn, done));
    return wrap;
  }

  private generalSection(): HTMLElement {
    const b = this.binder;
    const logs = h("button", { type: "button", class: "link", "data-testid": "open-log-folder", text: "Open the log folder" });
    const err = h("p", { class: "action-error", "data-testid": "open-log-folder-error", role: "alert", hidden: true });
    logs.addEventListener("click", () => {
      err.hidden = true;
      this.backend.openLogFolder().catch((e: unknown) => {
        err.textContent = toCommandError(e).message;
        err.hidden = false;
      });
    });
    return this.section(
      "general",
      "General",
      null,
      b.field("start_at_login", "Start Halo Notifier when I log in", "bool"),
      h("p", {
        class: "demo-status",
        "data-testid": "demo-status",
        text: this.form.demo
          ? "Demo mode is on: no Halo is configured, so tickets come from the built-in simulator. Fill in the Halo connection above and save to use your Halo."
          : "Demo mode is off: the app watches your Halo. To go back to the demo, clear the Halo address and save.",
      }),
      b.field("log.retention_days", "Keep the inbound log and resolved alerts for (days)", "int"),
      h("p", {}, logs),
      err,
    );
  }
}

/** The Test connection result: what is wrong and how to fix it, or what works. */
export function renderReport(out: HTMLElement, report: ConnectionReport): void {
  if (!report.ok || report.problems.length > 0) {
    out.replaceChildren(
      h("p", { class: "report-bad", "data-testid": "report-failed", text: "The connection does not work yet:" }),
      h(
        "ul",
        { class: "problems" },
        ...report.problems.map((p) =>
          h(
            "li",
            { "data-testid": "report-problem" },
            h("strong", { text: plain(p.what, 300) }),
            h("br"),
            h("span", { class: "fix", text: `Fix: ${plain(p.fix, 500)}` }),
          ),
        ),
      ),
    );
    return;
  }
  const dl = h("dl", { class: "report-good" });
  const row = (testid: string, label: string, value: string) =>
    dl.append(h("div", { "data-testid": testid }, h("dt", { text: label }), h("dd", { text: value })));
  row("report-agent", "Signed in as", plain(report.agent, 200) || "(unknown agent)");
  row("report-teams", "Teams visible", report.teams.map((t) => plain(t, 100)).join(", ") || "none");
  row("report-closed-statuses", "Closed statuses", report.closed_statuses.map((t) => plain(t, 100)).join(", ") || "none found");
  row("report-budget", "Request budget", plain(report.budget, 300));
  out.replaceChildren(h("p", { class: "report-ok", "data-testid": "report-ok", text: "✓ Connected to Halo." }), dl);
}
