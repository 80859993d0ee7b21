// Sample data for the mock backend: a demo desk with one alert of each kind,
// the example config as a settings form, and a hostile ticket on request.

import type { AlertView, ClosedStatus, SettingsForm, TicketSnapshot, TimelineEntry } from "./types";

export interface MockTicket {
  alert: AlertView;
  detailsHtml: string | null;
  timeline: TimelineEntry[];
}

const minutes = (now: Date, m: number) => new Date(now.getTime() + m * 60_000).toISOString();

function alert(
  now: Date,
  ticket: TicketSnapshot,
  extra: Partial<AlertView> & { ageMinutes: number },
): AlertView {
  const { ageMinutes, ...rest } = extra;
  return {
    alert_id: ticket.ticket_id * 10,
    ticket_id: ticket.ticket_id,
    state: "triggered",
    summary: ticket.summary ?? "",
    priority_id: ticket.priority_id ?? null,
    team_name: ticket.team_name ?? null,
    trigger_reason: "new ticket in Service Desk",
    created_at: minutes(now, -ageMinutes),
    updated_at: minutes(now, -ageMinutes),
    acknowledged_by: null,
    snoozed_until: null,
    resolved_at: null,
    resolve_reason: null,
    next_notification_at: minutes(now, 2),
    link: `https://demo.halopsa.com/ticket?id=${ticket.ticket_id}`,
    ticket,
    escalation: { step: 1, steps: 1, urgency: "normal" },
    ...rest,
  };
}

function timeline(now: Date, ageMinutes: number, more: TimelineEntry[] = []): TimelineEntry[] {
  return [
    { at: minutes(now, -ageMinutes), kind: "created", detail: "New ticket in Service Desk" },
    { at: minutes(now, -ageMinutes), kind: "notified", detail: "Step 1: notification shown" },
    ...more,
  ];
}

export function sampleTickets(now: Date): MockTicket[] {
  return [
    {
      alert: alert(
        now,
        {
          ticket_id: 1042,
          summary: "Email server down for the whole office",
          priority_id: 1,
          priority_name: "P1 - Critical",
          status_name: "New",
          team_name: "Service Desk",
          client_name: "Contoso Ltd",
          site_name: "London HQ",
          user_name: "Priya Shah",
          tickettype_name: "Incident",
          agent_name: null,
          last_update: minutes(now, -3),
        },
        {
          ageMinutes: 7,
          escalation: { step: 2, steps: 3, urgency: "critical" },
        },
      ),
      detailsHtml:
        "<p>Since 09:10 <strong>nobody</strong> can send or receive email.</p>" +
        "<ul><li>Outlook says <em>disconnected</em></li><li>Webmail times out</li></ul>" +
        '<p>Status page: <a href="https://status.example.com">status.example.com</a></p>',
      timeline: timeline(now, 7, [
        { at: minutes(now, -5), kind: "notified", detail: "Step 1: repeated (1 of 2)" },
        { at: minutes(now, -2), kind: "escalated", detail: "Step 2: critical, with sound" },
      ]),
    },
    {
      alert: alert(
        now,
        {
          ticket_id: 1041,
          summary: "VPN drops every 10 minutes",
          priority_id: 2,
          priority_name: "P2 - High",
          status_name: "In Progress",
          team_name: "Infrastructure",
          client_name: "Fabrikam Inc",
          user_name: "Jon Meyer",
          tickettype_name: "Incident",
          agent_id: 7,
          agent_name: "Sam Rivera",
        },
        { ageMinutes: 25, trigger_reason: "assigned to you", escalation: { step: 1, steps: 2, urgency: "normal" } },
      ),
      detailsHtml: "<p>Remote staff lose the VPN every ten minutes since the firewall update.</p>",
      timeline: timeline(now, 25),
    },
    {
      alert: alert(
        now,
        {
          ticket_id: 1043,
          summary: "Printer toner low on the 2nd floor",
          priority_id: 4,
          priority_name: "P4 - Low",
          status_name: "New",
          team_name: "Service Desk",
          client_name: "Tailspin Toys",
          tickettype_name: "Service Request",
        },
        { ageMinutes: 1 },
      ),
      detailsHtml: null,
      timeline: timeline(now, 1),
    },
    {
      alert: alert(
        now,
        {
          ticket_id: 1039,
          summary: "New starter laptop for Monday",
          priority_id: 3,
          priority_name: "P3 - Normal",
          status_name: "New",
          team_name: "Service Desk",
          client_name: "Northwind Traders",
          tickettype_name: "Service Request",
          details_text: "Please image a laptop for Alex, starting Monday.\nSoftware: Office, Teams.",
        },
        {
          ageMinutes: 130,
          state: "snoozed",
          snoozed_until: minutes(now, 40),
          next_notification_at: minutes(now, 40),
          escalation: null,
        },
      ),
      detailsHtml: null,
      timeline: timeline(now, 130, [{ at: minutes(now, -20), kind: "snoozed", detail: "Snoozed for 1 h" }]),
    },
    {
      alert: alert(
        now,
        {
          ticket_id: 1035,
          summary: "Shared drive permissions for Finance",
          priority_id: 3,
          priority_name: "P3 - Normal",
          status_name: "In Progress",
          team_name: "Service Desk",
          client_name: "Contoso Ltd",
          agent_name: "You (demo)",
        },
        {
          ageMinutes: 70,
          state: "acknowledged",
          acknowledged_by: "You (demo)",
          updated_at: minutes(now, -60),
          next_notification_at: null,
          escalation: null,
        },
      ),
      detailsHtml: "<p>Finance cannot open the Q3 folder.</p>",
      timeline: timeline(now, 70, [{ at: minutes(now, -60), kind: "acknowledged", detail: "Acknowledged by You (demo)" }]),
    },
    {
      alert: alert(
        now,
        {
          ticket_id: 1030,
          summary: "Password reset for reception",
          priority_id: 4,
          priority_name: "P4 - Low",
          status_name: "Closed",
          team_name: "Service Desk",
          client_name: "Tailspin Toys",
        },
        {
          ageMinutes: 200,
          state: "resolved",
          resolved_at: minutes(now, -180),
          updated_at: minutes(now, -180),
          resolve_reason: "ticket closed in Halo",
          next_notification_at: null,
          escalation: null,
        },
      ),
      detailsHtml: null,
      timeline: timeline(now, 200, [{ at: minutes(now, -180), kind: "resolved", detail: "Ticket closed in Halo" }]),
    },
  ];
}

/** What end users can type into a ticket: every trick we must defuse. */
export const HOSTILE_HTML =
  '<p>Hello<script>window.__pwned = 1</script></p>' +
  '<img src="x" onerror="window.__pwned = 2">' +
  '<a href="javascript:window.__pwned = 3">click me</a>' +
  '<a href="data:text/html,<script>window.__pwned=4</script>">data link</a>' +
  '<svg onload="window.__pwned = 5"><script>window.__pwned = 6</script></svg>' +
  '<iframe src="https://evil.example.com"></iframe>' +
  '<object data="https://evil.example.com/x.swf"></object>' +
  '<div style="position:fixed;inset:0;background:red" onclick="window.__pwned = 7">overlay</div>' +
  '<style>body{display:none}</style>' +
  '<form action="https://evil.example.com"><input name="password"><button>Log in</button></form>' +
  '<p data-testid="ack-button" id="app" class="banner">fake test id</p>' +
  "<p>\u202Egnp.exe</p>";

export function hostileTicket(now: Date): MockTicket {
  return {
    alert: alert(
      now,
      {
        ticket_id: 666,
        summary: '<img src=x onerror="window.__pwned = 8"> Invoice \u202Eexe.pdf',
        priority_id: 2,
        priority_name: "<b>P2</b>",
        status_name: "New",
        team_name: "Service Desk",
        client_name: "<script>window.__pwned = 9</script>Evil Corp",
        user_name: "x".repeat(5000),
        agent_name: null,
      },
      { ageMinutes: 3 },
    ),
    detailsHtml: HOSTILE_HTML,
    timeline: timeline(now, 3, [
      { at: minutes(now, -1), kind: "notified", detail: '<img src=x onerror="window.__pwned = 10">' },
    ]),
  };
}

export const CLOSED_STATUSES: ClosedStatus[] = [
  { id: 9, name: "Closed" },
  { id: 10, name: "Resolved" },
  { id: 21, name: "Cancelled" },
];

/** `halo-notifier-cli config --example` as the settings form. */
export function exampleSettings(): SettingsForm {
  return {
    halo: {
      url: "https://yourcompany.halopsa.com",
      tenant: "yourcompany",
      client_id: "00000000-0000-0000-0000-000000000000",
      scope: "all",
      auth_server: null,
      allow_insecure_http: false,
      closed_status_ids: [],
      display_name: null,
      secret: null,
      secret_stored: false,
    },
    watch: {
      teams: ["Service Desk", 2],
      assigned_to_me: true,
      poll_interval: "30s",
      reconcile_every: "15m",
      overlap: "2m",
    },
    triggers: {
      new_ticket_in_watched_team: true,
      assigned_to_me: true,
      status_into: [],
      customer_reply_on_my_ticket: true,
    },
    filters: {
      teams: [],
      agents: [],
      priorities: [],
      ticket_types: [],
      clients: [],
      sites: [],
      summary_regex: null,
      client_regex: null,
      exclude_summary_regex: null,
    },
    acknowledge: { take: false, note: false },
    webhook: { enabled: false, bind: "127.0.0.1:8787", allow_remote: false, token_stored: false },
    escalation: {
      default: "normal",
      by_priority: { "1": "critical", "2": "high", "3": "normal", "4": "low" },
      policies: {
        critical: {
          name: "critical",
          loop: false,
          steps: [{ delay: "0s", urgency: "critical", sound: true, repeat_every: "2m", max_repeats: 30 }],
        },
        high: {
          name: "high",
          loop: false,
          steps: [
            { delay: "0s", urgency: "normal", sound: true, repeat_every: "5m", max_repeats: 6 },
            { delay: "5m", urgency: "critical", sound: true, repeat_every: "5m", max_repeats: 12 },
          ],
        },
        normal: {
          name: "normal",
          loop: false,
          steps: [{ delay: "0s", urgency: "normal", sound: false, repeat_every: "15m", max_repeats: 2 }],
        },
        low: { name: "low", loop: false, steps: [{ delay: "0s", urgency: "low", sound: false, max_repeats: 0 }] },
      },
    },
    schedule: {
      timezone: "Europe/London",
      critical_breaks_through: true,
      windows: [{ days: "mon-fri", from: "08:00", to: "18:00" }],
    },
    grouping: { enabled: true, threshold: 3, window: "2m" },
    templates: {
      title: "{priority} · {client_name}: {summary}",
      body: "#{id} · {team} · {status}\n{details}",
      summary_title: "{count} new {tickets} in {group}",
    },
    log: { retention_days: 14 },
    start_at_login: false,
    demo: true,
  };
}
