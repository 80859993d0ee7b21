// The alerts window against the mock backend: what a technician sees and
// what each button does.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MockBackend } from "../src/api/mock";
import { hostileTicket } from "../src/api/mock-data";
import { AlertsApp } from "../src/alerts/app";
import { NOW, loadPage, testIds, tid } from "./helpers";

let clock = NOW;
let app: AlertsApp;
let backend: MockBackend;

async function start(search = "") {
  loadPage("alerts");
  backend = new MockBackend({ search, now: () => clock });
  app = new AlertsApp(document, backend, { now: () => clock, timers: false });
  await app.start();
}

const openIds = () => testIds(tid("open-list"), "alert-row").map((r) => Number(r.dataset.ticketId));
const recentIds = () => testIds(tid("recent-list"), "alert-row").map((r) => Number(r.dataset.ticketId));
const row = (id: number) => {
  const el = document.querySelector<HTMLElement>(`[data-testid="alert-row"][data-ticket-id="${id}"]`);
  if (!el) throw new Error(`no row for #${id}`);
  return el;
};
const commands = () => backend.calls.map((c) => c.command);

async function openDetail(id: number) {
  tid("alert-open", row(id)).click();
  await vi.waitFor(() => expect(tid("detail-title").textContent).toContain(`#${id}`));
}

beforeEach(() => {
  clock = NOW;
});
afterEach(() => app?.stop());

describe("the list", () => {
  it("shows open alerts critical first, then newest, with every column", async () => {
    await start();
    expect(openIds()).toEqual([1042, 1043, 1041, 1039]);
    const r = row(1042);
    expect(tid("alert-priority", r).textContent).toBe("P1 - Critical");
    expect(tid("alert-priority", r).dataset.tone).toBe("p1");
    expect(tid("alert-client", r).textContent).toBe("Contoso Ltd");
    expect(tid("alert-summary", r).textContent).toBe("Email server down for the whole office");
    expect(tid("alert-age", r).textContent).toBe("7 min");
    expect(tid("alert-escalation", r).textContent).toBe("step 2 of 3 (critical)");
    expect(tid("alert-assignee", r).textContent).toBe("Unassigned (Service Desk)");
    expect(tid("alert-assignee", row(1041)).textContent).toBe("Sam Rivera");
    expect(tid("open-count").textContent).toBe("4");
  });

  it("keeps acknowledged and resolved ones in the collapsible recent list", async () => {
    await start();
    expect(recentIds()).toEqual([1035, 1030]);
    const section = tid<HTMLDetailsElement>("recent-section");
    expect(section.tagName).toBe("DETAILS");
    expect(section.open).toBe(false);
    expect(tid("recent-count").textContent).toBe("2");
    expect(testIds(tid("recent-list"), "alert-ack")).toHaveLength(0);
  });

  it("updates ages as time passes", async () => {
    await start();
    clock = new Date(NOW.getTime() + 60 * 60_000);
    app.refreshAges();
    expect(tid("alert-age", row(1042)).textContent).toBe("1 h 7 min");
  });

  it("the detail's countdown to the next reminder moves with the clock", async () => {
    await start();
    await openDetail(1039);
    expect(tid("detail-state").textContent).toBe("Snoozed: reminds you again in 40 min");
    clock = new Date(NOW.getTime() + 30 * 60_000);
    app.refreshAges();
    expect(tid("detail-state").textContent).toBe("Snoozed: reminds you again in 10 min");
    expect(tid("field-next").textContent).toMatch(/in 10 min/);
    expect(tid("detail-age").textContent).toBe("2 h 40 min");
  });

  it("shows a ticket that arrives while the window is open", async () => {
    await start("empty=1");
    expect(tid("empty-open").hidden).toBe(false);
    backend.addTicket(hostileTicket(NOW));
    await vi.waitFor(() => expect(openIds()).toEqual([666]));
    expect(tid("empty-open").hidden).toBe(true);
  });

  it("acknowledging from the row moves the alert to recent", async () => {
    await start();
    tid("alert-ack", row(1041)).click();
    await vi.waitFor(() => expect(openIds()).not.toContain(1041));
    expect(recentIds()).toContain(1041);
    expect(commands()).toContain("acknowledge");
  });

  it("shows a row's acknowledge error next to it", async () => {
    await start("fail=acknowledge");
    tid("alert-ack", row(1041)).click();
    await vi.waitFor(() => expect(tid("alert-ack-error", row(1041)).hidden).toBe(false));
    expect(tid("alert-ack-error", row(1041)).textContent).toMatch(/Halo did not accept acknowledge/);
    expect(openIds()).toContain(1041);
  });
});

describe("banners", () => {
  it("says demo mode and offers Connect to Halo, which opens settings", async () => {
    await start();
    expect(tid("demo-banner").hidden).toBe(false);
    tid("demo-connect").click();
    expect(commands()).toContain("open_settings");
  });

  it("has no demo banner when connected to Halo", async () => {
    await start("mode=live");
    expect(tid("demo-banner").hidden).toBe(true);
  });

  it("names the cause when intake has a problem, and clears it when it recovers", async () => {
    await start("mode=live&intake=error");
    expect(tid("intake-status").hidden).toBe(false);
    expect(tid("intake-status").textContent).toMatch(/Not receiving tickets: Halo refused the client secret \(401\)/);
    backend.setIntake({ ok: true, last_poll_at: NOW.toISOString(), problem: null, budget: "" });
    await vi.waitFor(() => expect(tid("intake-status").hidden).toBe(true));
  });
});

describe("detail and actions", () => {
  it("shows the ticket's fields, sanitised details and timeline", async () => {
    await start();
    await openDetail(1042);
    expect(app.selectedTicket).toBe(1042);
    expect(tid("field-client").textContent).toContain("Contoso Ltd");
    expect(tid("field-site").textContent).toContain("London HQ");
    expect(tid("field-escalation").textContent).toContain("step 2 of 3");
    expect(tid("detail-body").querySelector("strong")?.textContent).toBe("nobody");
    expect(tid("detail-body").querySelector("a")?.hasAttribute("href")).toBe(false);
    const kinds = testIds(tid("detail-timeline"), "timeline-entry").map((e) => e.dataset.kind);
    expect(kinds[0]).toBe("escalated");
    expect(kinds).toHaveLength(4);
    expect(document.activeElement).toBe(tid("detail-title"));
  });

  it("a link in the details opens the ticket in Halo", async () => {
    await start();
    await openDetail(1042);
    tid("detail-body").querySelector("a")?.click();
    await vi.waitFor(() => expect(commands()).toContain("open_in_halo"));
  });

  it("Acknowledge in the detail removes the alert from the open list", async () => {
    await start();
    await openDetail(1041);
    tid("action-acknowledge").click();
    await vi.waitFor(() => expect(openIds()).not.toContain(1041));
    await vi.waitFor(() => expect(tid("detail-state").textContent).toMatch(/^Acknowledged by You/));
    expect(document.querySelector('[data-testid="action-acknowledge"]')).toBeNull();
  });

  it("snoozes for a preset and for custom minutes, rejecting nonsense", async () => {
    await start();
    await openDetail(1041);
    tid("snooze-60").click();
    await vi.waitFor(() => expect(tid("detail-state").textContent).toMatch(/^Snoozed: reminds you again in 1 h/));
    tid<HTMLInputElement>("snooze-custom-minutes").value = "abc";
    tid("snooze-custom").click();
    expect(tid("error-snooze").textContent).toMatch(/whole minutes/);
    tid<HTMLInputElement>("snooze-custom-minutes").value = "90";
    tid("snooze-custom").click();
    await vi.waitFor(() => expect(tid("detail-state").textContent).toMatch(/in 1 h 30 min/));
    expect(backend.calls.filter((c) => c.command === "snooze").map((c) => c.args)).toEqual([
      { ticketId: 1041, minutes: 60 },
      { ticketId: 1041, minutes: 90 },
    ]);
  });

  it("shows a failing command's message next to its button", async () => {
    await start("fail=take");
    await openDetail(1042);
    tid("action-take").click();
    await vi.waitFor(() => expect(tid("error-take").hidden).toBe(false));
    expect(tid("error-take").textContent).toBe("Halo did not accept take (503): try again in a minute");
    expect(tid("error-take").closest('[data-action="take"]')).not.toBeNull();
  });

  it("Take ticket assigns it to me", async () => {
    await start();
    await openDetail(1042);
    tid("action-take").click();
    await vi.waitFor(() => expect(tid("field-assignee").textContent).toContain("You (demo)"));
  });

  it("Close needs a status and a confirmation before anything is sent", async () => {
    await start();
    await openDetail(1042);
    tid("action-close").click();
    await vi.waitFor(() => expect(tid("close-form")).toBeTruthy());
    expect(document.activeElement).toBe(tid("close-status"));
    const statuses = [...tid<HTMLSelectElement>("close-status").options].map((o) => o.textContent);
    expect(statuses).toEqual(["Choose a closing status…", "Closed", "Resolved", "Cancelled"]);
    expect(tid<HTMLSelectElement>("close-status").value).toBe("9");

    tid<HTMLSelectElement>("close-status").value = "";
    tid("close-continue").click();
    expect(tid("close-status-error").textContent).toMatch(/Choose the status/);
    expect(tid("close-confirm-step").hidden).toBe(true);

    tid<HTMLSelectElement>("close-status").value = "10";
    tid<HTMLTextAreaElement>("close-note").value = "Restarted the mail service";
    tid("close-continue").click();
    expect(tid("close-confirm-step").hidden).toBe(false);
    expect(tid("close-confirm-text").textContent).toMatch(/Close ticket #1042 as “Resolved” with your note/);
    expect(commands()).not.toContain("close_ticket");

    tid("close-confirm").click();
    await vi.waitFor(() => expect(commands()).toContain("close_ticket"));
    expect(backend.calls.find((c) => c.command === "close_ticket")?.args).toEqual({
      ticketId: 1042,
      note: "Restarted the mail service",
      statusId: 10,
    });
    await vi.waitFor(() => expect(openIds()).not.toContain(1042));
    expect(recentIds()).toContain(1042);
    await vi.waitFor(() => expect(tid("detail-state").textContent).toBe("Resolved: closed as Resolved"));
  });

  it("Escape steps back: confirmation, then the close form, then the detail", async () => {
    await start();
    await openDetail(1042);
    tid("action-close").click();
    await vi.waitFor(() => expect(tid("close-form")).toBeTruthy());
    tid<HTMLSelectElement>("close-status").value = "9";
    tid("close-continue").click();
    const esc = () => document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    esc();
    expect(tid("close-confirm-step").hidden).toBe(true);
    esc();
    expect(document.querySelector('[data-testid="close-form"]')).toBeNull();
    esc();
    expect(tid("alert-detail").hidden).toBe(true);
    expect(app.selectedTicket).toBeNull();
    expect(document.activeElement).toBe(tid("alert-open", row(1042)));
    expect(commands()).not.toContain("close_ticket");
  });

  it("a resolved alert offers only Open in Halo", async () => {
    await start();
    tid<HTMLDetailsElement>("recent-section").open = true;
    await openDetail(1030);
    const buttons = testIds(tid("detail-actions"), "action-open-in-halo");
    expect(buttons).toHaveLength(1);
    expect(document.querySelector('[data-testid="action-acknowledge"], [data-testid="action-close"], [data-testid="action-take"]')).toBeNull();
  });

  it("focus-alert from the tray or a notification opens that alert", async () => {
    await start();
    backend.focus(1043);
    await vi.waitFor(() => expect(app.selectedTicket).toBe(1043));
    await vi.waitFor(() => expect(tid("detail-title").textContent).toContain("#1043"));
  });
});

describe("a hostile ticket", () => {
  it("shows its text literally and runs nothing", async () => {
    await start("hostile=1");
    const r = row(666);
    expect(tid("alert-summary", r).textContent).toBe('<img src=x onerror="window.__pwned = 8"> Invoice exe.pdf');
    expect(tid("alert-client", r).textContent).toBe("<script>window.__pwned = 9</script>Evil Corp");
    expect(r.querySelector("img, script")).toBeNull();
    await openDetail(666);
    const pane = tid("alert-detail");
    expect(pane.querySelector("script, img, svg, iframe, object, form, style, [style]")).toBeNull();
    expect(testIds(document, "action-acknowledge")).toHaveLength(1);
    expect((window as Window & { __pwned?: number }).__pwned).toBeUndefined();
    expect(tid("field-user").textContent?.length).toBeLessThan(400);
  });
});

describe("keyboard and start-up", () => {
  it("Enter in the custom snooze minutes snoozes", async () => {
    await start();
    await openDetail(1041);
    const input = tid<HTMLInputElement>("snooze-custom-minutes");
    input.value = "20";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(tid("detail-state").textContent).toMatch(/in 20 min/));
  });

  it("keeps focus on the control the user was on when the detail reloads", async () => {
    await start();
    await openDetail(1042);
    tid("action-take").focus();
    tid("action-take").click();
    await vi.waitFor(() => expect(tid("field-assignee").textContent).toContain("You (demo)"));
    expect(document.activeElement).toBe(tid("action-take"));
  });

  it.each([
    [{ search: "?ticket=1041" }],
    [{ hash: "#ticket=1041" }],
  ])("a window opened for one alert (%o) shows it", async (where) => {
    loadPage("alerts");
    backend = new MockBackend({ now: () => clock });
    app = new AlertsApp(document, backend, { now: () => clock, timers: false, ...where });
    await app.start();
    expect(app.selectedTicket).toBe(1041);
    expect(tid("detail-title").textContent).toContain("#1041");
  });
});

describe("accessibility basics", () => {
  it("every control in the detail and close form has a label, and ids are unique", async () => {
    await start();
    await openDetail(1042);
    tid("action-close").click();
    await vi.waitFor(() => expect(tid("close-form")).toBeTruthy());
    const unlabelled = [...document.querySelectorAll<HTMLInputElement>("input, select, textarea")].filter(
      (el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute("aria-label"),
    );
    expect(unlabelled).toEqual([]);
    const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Within the detail, each test id names one element (list items aside).
    const detailIds = [...tid("alert-detail").querySelectorAll("[data-testid]:not([data-testid=timeline-entry])")].map((e) =>
      e.getAttribute("data-testid"),
    );
    expect(new Set(detailIds).size).toBe(detailIds.length);
  });
});

describe("live reloads leave the user's work alone", () => {
  it("another alert changing keeps the typed snooze minutes and the open close form", async () => {
    await start();
    await openDetail(1042);
    tid<HTMLInputElement>("snooze-custom-minutes").value = "45";
    tid("action-close").click();
    await vi.waitFor(() => expect(tid("close-form")).toBeTruthy());
    tid<HTMLTextAreaElement>("close-note").value = "half-written note";
    await backend.acknowledge(1041);
    await vi.waitFor(() => expect(openIds()).not.toContain(1041));
    await app.reload();
    expect(tid<HTMLInputElement>("snooze-custom-minutes").value).toBe("45");
    expect(tid<HTMLTextAreaElement>("close-note").value).toBe("half-written note");
  });
});
