// The shapes the Rust side sends and accepts (docs/command-surface.md).
// Field names follow serde's output: snake_case inside AlertView and the
// settings form, camelCase where the command surface says so.

export type AlertState = "triggered" | "acknowledged" | "snoozed" | "resolved";
export type Urgency = "low" | "normal" | "critical";

/** ticket_events::TicketSnapshot: only ticket_id is certain. */
export interface TicketSnapshot {
  ticket_id: number;
  summary?: string | null;
  details_text?: string | null;
  status_id?: number | null;
  status_name?: string | null;
  priority_id?: number | null;
  priority_name?: string | null;
  tickettype_id?: number | null;
  tickettype_name?: string | null;
  team_id?: number | null;
  team_name?: string | null;
  agent_id?: number | null;
  agent_name?: string | null;
  client_id?: number | null;
  client_name?: string | null;
  site_id?: number | null;
  site_name?: string | null;
  user_name?: string | null;
  last_update?: string | null;
  last_customer_reply?: string | null;
  date_closed?: string | null;
  closed_hint?: boolean | null;
}

export interface Escalation {
  /** 1-based. */
  step: number;
  steps: number;
  urgency: Urgency;
}

export interface AlertView {
  alert_id: number;
  ticket_id: number;
  state: AlertState;
  summary: string;
  priority_id: number | null;
  team_name: string | null;
  trigger_reason: string;
  created_at: string;
  updated_at: string;
  acknowledged_by: string | null;
  snoozed_until: string | null;
  resolved_at: string | null;
  resolve_reason: string | null;
  next_notification_at: string | null;
  link: string;
  ticket: TicketSnapshot;
  /** Where the alert is on its escalation ladder, when the app sends it. */
  escalation?: Escalation | null;
}

export interface AlertList {
  open: AlertView[];
  recent: AlertView[];
}

export interface TimelineEntry {
  at: string;
  kind: string;
  detail: string;
}

export interface AlertDetail {
  alert: AlertView;
  detailsHtml: string | null;
  timeline: TimelineEntry[];
}

export interface ClosedStatus {
  id: number;
  name: string;
}

export interface IntakeStatus {
  ok: boolean;
  last_poll_at: string | null;
  problem: string | null;
  budget: string;
}

export interface AppStatus {
  mode: "live" | "demo";
  intake: IntakeStatus;
  paused_until: string | null;
  open: number;
  critical: number;
  tray: "idle" | "alerts" | "critical" | "paused" | "error";
}

export interface Notification {
  type: string;
  alert_id: number | null;
  ticket_id: number | null;
  title: string;
  body: string;
  urgency: Urgency;
  sound: boolean;
  step: number;
  repeat: number;
  at: string;
  link: string | null;
}

/** alert_engine::EngineEvent, tagged by `event`. */
export type EngineEvent =
  | { event: "alert_changed"; alert: AlertView }
  | { event: "alerts_changed"; count: number }
  | { event: "notified"; notification: Notification }
  | { event: "written"; ticket_id: number; kind: string }
  | { event: "outbox_failed"; ticket_id: number; kind: string; error: string }
  | { event: "paused"; until: string | null }
  | { event: "intake"; status: IntakeStatus };

export type ErrorKind =
  | "not_found"
  | "halo"
  | "validation"
  | "keyring"
  | "store"
  | "busy"
  | "internal";

/** The one error shape every command fails with. */
export interface CommandError {
  kind: ErrorKind;
  message: string;
  fields?: Record<string, string>;
}

// ---- Settings (the config file as JSON, plus the write-only secret) ----

export type TeamRef = number | string;

export interface EscalationStep {
  delay?: string;
  urgency?: Urgency;
  sound?: boolean;
  repeat_every?: string | null;
  max_repeats?: number;
}

export interface EscalationPolicy {
  name?: string;
  steps: EscalationStep[];
  loop?: boolean;
}

export interface PolicySet {
  by_priority: Record<string, string>;
  policies: Record<string, EscalationPolicy>;
  default?: string;
}

export interface DutyWindow {
  days: string;
  from: string;
  to: string;
}

export interface DutySchedule {
  timezone: string;
  windows: DutyWindow[];
  critical_breaks_through: boolean;
}

export interface SettingsForm {
  // Optional keys may be missing (the app leaves unset ones out) or null.
  halo: {
    url?: string | null;
    tenant?: string | null;
    client_id?: string | null;
    scope?: string | null;
    auth_server?: string | null;
    allow_insecure_http: boolean;
    closed_status_ids: number[];
    display_name?: string | null;
    /** Write-only: set to store a new secret in the OS keyring; never returned. */
    secret: string | null;
    secret_stored: boolean;
  };
  watch: {
    teams: TeamRef[];
    assigned_to_me: boolean;
    poll_interval: string;
    reconcile_every: string;
    overlap: string;
  };
  triggers: {
    new_ticket_in_watched_team: boolean;
    assigned_to_me: boolean;
    status_into: number[];
    customer_reply_on_my_ticket: boolean;
  };
  filters: {
    teams: TeamRef[];
    agents: number[];
    priorities: number[];
    ticket_types: number[];
    clients: string[];
    sites: string[];
    summary_regex?: string | null;
    client_regex?: string | null;
    exclude_summary_regex?: string | null;
  };
  acknowledge: { take: boolean; note: boolean };
  webhook: {
    enabled: boolean;
    bind: string;
    allow_remote: boolean;
    /** The address Halo uses when it reaches this machine through a proxy. */
    public_url?: string | null;
    token_stored: boolean;
  };
  escalation?: PolicySet | null;
  schedule?: DutySchedule | null;
  grouping: { enabled: boolean; threshold: number; window: string };
  templates: { title: string; body: string; summary_title: string };
  log: { retention_days: number };
  start_at_login: boolean;
  /** Read-only: the app runs the demo while no Halo is configured. */
  demo: boolean;
}

export interface ConnectionProblem {
  what: string;
  fix: string;
}

export interface ConnectionReport {
  ok: boolean;
  problems: ConnectionProblem[];
  agent: string | null;
  teams: string[];
  closed_statuses: string[];
  budget: string;
}

export interface Team {
  id: number;
  name: string;
}

export interface TemplatePreview {
  title: string;
  body: string;
}

export interface WebhookToken {
  url: string;
  token_stored: boolean;
}

export interface WebhookSetup {
  url: string;
  bodyJson: string;
  events: string[];
}
