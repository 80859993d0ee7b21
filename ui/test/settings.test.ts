// The settings window: form <-> JSON, client checks, the Rust side's field
// errors placed next to their fields, one save command, and the helpers
// (test connection, teams, preview, webhook).
import { afterEach, describe, expect, it, vi } from "vitest";
import { MockBackend } from "../src/api/mock";
import { exampleSettings } from "../src/api/mock-data";
import type { SettingsForm } from "../src/api/types";
import { placeErrors } from "../src/settings/controls";
import { durationSeconds, formatValue, parseValue } from "../src/settings/fields";
import { getPath, normalisePath, pathAndParents, setPath } from "../src/settings/paths";
import { SettingsApp, formForSave } from "../src/settings/app";
import { checkBind, checkHaloUrl, validateSettings } from "../src/settings/validate";
import { loadPage, tid } from "./helpers";

let backend: MockBackend;
let app: SettingsApp;
let copied: string[] = [];

async function start(search = "mode=live&secret=1") {
  loadPage("settings");
  backend = new MockBackend({ search });
  copied = [];
  app = new SettingsApp(document, backend, { previewDelayMs: 0, copy: async (t) => void copied.push(t) });
  await app.start();
}

function type(testid: string, value: string) {
  const el = tid<HTMLInputElement | HTMLTextAreaElement>(testid);
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}

function tick(testid: string, on: boolean) {
  const el = tid<HTMLInputElement>(testid);
  el.checked = on;
  el.dispatchEvent(new Event("change", { bubbles: true }));
}

const saves = () => backend.calls.filter((c) => c.command === "save_settings");

afterEach(() => vi.useRealTimers());

describe("paths and field kinds", () => {
  it("reads and writes nested paths, including array indexes", () => {
    const obj: Record<string, unknown> = { a: { b: [{ c: 1 }] } };
    expect(getPath(obj, "a.b.0.c")).toBe(1);
    expect(getPath(obj, "a.b[0].c")).toBe(1);
    setPath(obj, "a.b.0.c", 2);
    setPath(obj, "x.list.1", "y");
    expect(obj).toEqual({ a: { b: [{ c: 2 }] }, x: { list: [undefined, "y"] } });
    expect(normalisePath("escalation.policies.high.steps[1].delay")).toBe("escalation.policies.high.steps.1.delay");
    expect(pathAndParents("a.b.c")).toEqual(["a.b.c", "a.b", "a"]);
  });

  it("treats __proto__ and constructor as ordinary keys (no prototype pollution)", () => {
    const obj = JSON.parse('{"policies": {"__proto__": {"steps": []}}}') as Record<string, unknown>;
    setPath(obj, "policies.__proto__.loop", true);
    setPath(obj, "policies.constructor.loop", true);
    expect(({} as Record<string, unknown>).loop).toBeUndefined();
    expect(getPath(obj, "policies.__proto__.loop")).toBe(true);
    expect(getPath(obj, "policies.constructor.loop")).toBe(true);
    expect(getPath({}, "toString")).toBeUndefined();
  });

  it("turns typed text into JSON and back", () => {
    expect(parseValue("teams", "Service Desk, 2")).toEqual({ ok: true, value: ["Service Desk", 2] });
    expect(formatValue("teams", ["Service Desk", 2])).toBe("Service Desk, 2");
    expect(parseValue("ids", "3, 7")).toEqual({ ok: true, value: [3, 7] });
    expect(parseValue("ids", "3, seven")).toMatchObject({ ok: false, error: expect.stringMatching(/“seven” is not an id/) });
    expect(parseValue("ids", "")).toEqual({ ok: true, value: [] });
    expect(parseValue("optional-text", "  ")).toEqual({ ok: true, value: null });
    expect(parseValue("int", "12")).toEqual({ ok: true, value: 12 });
    expect(parseValue("int", "1.5").ok).toBe(false);
    expect(parseValue("duration", "1h30m")).toEqual({ ok: true, value: "1h30m" });
    expect(parseValue("duration", "90").ok).toBe(false);
    expect(parseValue("optional-duration", "")).toEqual({ ok: true, value: null });
    expect(parseValue("time", "8:00")).toEqual({ ok: true, value: "08:00" });
    expect(parseValue("time", "25:00").ok).toBe(false);
    expect(durationSeconds("2m 30s")).toBe(150);
  });
});

describe("client-side checks", () => {
  it("accepts the example config", () => {
    const form = exampleSettings();
    form.halo.secret_stored = true;
    expect(validateSettings(form)).toEqual({});
  });

  it("checks the Halo address's shape", () => {
    expect(checkHaloUrl("yourcompany.halopsa.com", false)).toBeNull();
    expect(checkHaloUrl("https://yourcompany.halopsa.com/", false)).toBeNull();
    expect(checkHaloUrl("http://halo.example.com", false)).toMatch(/unencrypted/);
    expect(checkHaloUrl("http://halo.example.com", true)).toBeNull();
    expect(checkHaloUrl("http://localhost:8080", false)).toBeNull();
    expect(checkHaloUrl("halo example", false)).toMatch(/no spaces/);
    expect(checkHaloUrl("ftp://x.example.com", false)).toMatch(/https/);
    expect(checkHaloUrl("intranet", false)).toMatch(/full host name/);
  });

  it("checks the webhook address like the config loader", () => {
    expect(checkBind("127.0.0.1:8787", false)).toBeNull();
    expect(checkBind("[::1]:8787", false)).toBeNull();
    expect(checkBind("0.0.0.0:8787", false)).toMatch(/other machines/);
    expect(checkBind("0.0.0.0:8787", true)).toBeNull();
    expect(checkBind("localhost:8787", false)).toMatch(/IP address/);
    expect(checkBind("127.0.0.1:99999", false)).toMatch(/out of range/);
    expect(checkBind("127.0.0.1", false)).toMatch(/address:port/);
  });

  it("requires what a connection needs, and names each field", () => {
    const form = exampleSettings();
    form.demo = false;
    form.halo.client_id = " ";
    form.watch.poll_interval = "5s";
    form.templates.title = "";
    form.log.retention_days = 0;
    const errors = validateSettings(form);
    expect(Object.keys(errors).sort()).toEqual([
      "halo.client_id",
      "halo.secret",
      "log.retention_days",
      "templates.title",
      "watch.poll_interval",
    ]);
    expect(errors["watch.poll_interval"]).toMatch(/At least 10s/);
    // No address at all is the demo: nothing to require.
    form.halo.url = null;
    expect(validateSettings(form)).not.toHaveProperty("halo.url");
    expect(validateSettings(form)).not.toHaveProperty("halo.client_id");
  });

  it("checks escalation steps and duty windows", () => {
    const form = exampleSettings();
    form.halo.secret_stored = true;
    const steps = form.escalation?.policies.high?.steps ?? [];
    steps[1] = { delay: "soon", urgency: "critical", max_repeats: 3, repeat_every: null };
    if (form.schedule) form.schedule.windows = [];
    expect(validateSettings(form)).toEqual({
      "escalation.policies.high.steps.1.delay": expect.stringMatching(/duration/),
      "escalation.policies.high.steps.1.repeat_every": expect.stringMatching(/need an interval/),
      "schedule.windows": expect.stringMatching(/at least one duty window/),
    });
  });
});

describe("the settings window", () => {
  it("shows the saved form and only whether a secret is stored", async () => {
    await start();
    expect(tid<HTMLInputElement>("field-halo.url").value).toBe("https://yourcompany.halopsa.com");
    expect(tid<HTMLInputElement>("field-watch.poll_interval").value).toBe("30s");
    expect(tid<HTMLInputElement>("field-watch.assigned_to_me").checked).toBe(true);
    expect(tid<HTMLInputElement>("field-halo.secret").type).toBe("password");
    expect(tid<HTMLInputElement>("field-halo.secret").value).toBe("");
    expect(tid("secret-status").textContent).toMatch(/A secret is stored/);
    expect(tid("unsaved").hidden).toBe(true);
  });

  it("saving unchanged sends back exactly what was loaded, with no secret", async () => {
    await start();
    expect(await app.save()).toBe(true);
    expect(saves()).toHaveLength(1);
    const sent = saves()[0]?.args as { form: SettingsForm };
    const expected = exampleSettings();
    expected.halo.secret_stored = true;
    expected.demo = false;
    expect(sent.form).toEqual(expected);
  });

  it("maps every kind of edit into the JSON it saves", async () => {
    await start();
    type("field-halo.url", "https://acme.halopsa.com");
    type("field-halo.secret", "s3cret-value");
    type("field-halo.tenant", "");
    type("field-triggers.status_into", "3, 5");
    type("field-filters.clients", "Contoso, Fabrikam");
    type("field-grouping.threshold", "5");
    tick("field-acknowledge.take", true);
    type("field-escalation.policies.high.steps.1.repeat_every", "10m");
    const select = tid<HTMLSelectElement>("field-escalation.by_priority.3");
    select.value = "high";
    select.dispatchEvent(new Event("change"));
    expect(tid("unsaved").hidden).toBe(false);
    const form = formForSave(app.form);
    expect(form.halo.url).toBe("https://acme.halopsa.com");
    expect(form.halo.secret).toBe("s3cret-value");
    expect(form.halo.tenant).toBeNull();
    expect(form.triggers.status_into).toEqual([3, 5]);
    expect(form.filters.clients).toEqual(["Contoso", "Fabrikam"]);
    expect(form.grouping.threshold).toBe(5);
    expect(form.acknowledge.take).toBe(true);
    expect(form.escalation?.policies.high?.steps[1]?.repeat_every).toBe("10m");
    expect(form.escalation?.by_priority["3"]).toBe("high");
    expect(await app.save()).toBe(true);
    // The secret went to the backend once and is gone from the window.
    expect(tid<HTMLInputElement>("field-halo.secret").value).toBe("");
    expect(tid("secret-status").textContent).toMatch(/A secret is stored/);
    expect(tid("save-status").textContent).toBe("Saved.");
  });

  it("a client-side mistake is shown next to its field and nothing is sent", async () => {
    await start();
    type("field-halo.url", "http://halo example");
    type("field-triggers.status_into", "3, x");
    expect(await app.save()).toBe(false);
    expect(saves()).toHaveLength(0);
    expect(tid("error-halo.url").hidden).toBe(false);
    expect(tid("error-halo.url").textContent).toMatch(/no spaces/);
    expect(tid("field-halo.url").getAttribute("aria-invalid")).toBe("true");
    expect(tid("error-triggers.status_into").textContent).toMatch(/“x” is not an id/);
    expect(tid("save-error").textContent).toMatch(/Nothing was saved: fix the 2 marked fields/);
    expect(document.activeElement).toBe(tid("field-halo.url"));
  });

  it("the backend's validation errors land next to their fields, unknown ones by Save", async () => {
    await start();
    vi.spyOn(backend, "saveSettings").mockRejectedValueOnce({
      kind: "validation",
      message: "Some settings need fixing",
      fields: {
        "webhook.bind": "not an address",
        "filters.summary_regex": "unclosed group",
        "escalation.policies.high.steps[0].urgency": "bad urgency",
        "escalation.policies.high.loop_count": "unknown key",
        "mystery.key": "what is this",
      },
    });
    expect(await app.save()).toBe(false);
    expect(tid("error-webhook.bind").textContent).toBe("not an address");
    expect(tid("error-filters.summary_regex").textContent).toBe("unclosed group");
    expect(tid<HTMLDetailsElement>("filters").open).toBe(true);
    expect(tid("error-escalation.policies.high.steps.0.urgency").textContent).toBe("bad urgency");
    expect(tid("error-escalation.policies.high").textContent).toBe("loop_count: unknown key");
    expect(tid("save-error").textContent).toMatch(/Nothing was saved: Some settings need fixing/);
    expect(tid("save-error").textContent).toMatch(/mystery\.key: what is this/);
    // Fixing a field clears its message.
    type("field-webhook.bind", "127.0.0.1:9000");
    expect(tid("error-webhook.bind").hidden).toBe(true);
  });

  it("placeErrors falls back to the enclosing section", () => {
    loadPage("settings");
    const root = tid("settings-sections");
    root.innerHTML = '<section><p data-error-for="halo" hidden></p><input data-field="halo.url"><p data-error-for="halo.url" hidden></p></section>';
    expect(placeErrors(root, { "halo.url": "bad", "halo.tenant": "odd", other: "x" })).toEqual(["other: x"]);
    expect(root.querySelector('[data-error-for="halo"]')?.textContent).toBe("tenant: odd");
  });

  it("Test connection shows problems with their fix, or what works", async () => {
    await start("mode=live");
    tid("test-connection").click();
    await vi.waitFor(() => expect(tid("report-failed")).toBeTruthy());
    expect(tid("report-problem").textContent).toMatch(/No client secret stored.*Fix: Paste/);
    type("field-halo.secret", "abc");
    tid("test-connection").click();
    await vi.waitFor(() => expect(tid("report-ok")).toBeTruthy());
    expect(tid("report-agent").textContent).toContain("Alex Tech");
    expect(tid("report-closed-statuses").textContent).toContain("Resolved");
    expect(tid("report-budget").textContent).toMatch(/requests in the last 5 min/);
    const sent = backend.calls.filter((c) => c.command === "test_connection");
    expect(sent).toHaveLength(2);
  });

  it("Test connection's field errors are shown next to the field as well", async () => {
    await start();
    vi.spyOn(backend, "testConnection").mockRejectedValueOnce({
      kind: "validation",
      message: "some settings need fixing: see the marked fields",
      fields: { "halo.url": "enter your Halo address" },
    });
    tid("test-connection").click();
    await vi.waitFor(() => expect(tid("connection-error").textContent).toMatch(/some settings need fixing/));
    expect(tid("error-halo.url").textContent).toBe("enter your Halo address");
  });

  it("teams are picked from the list Halo returns", async () => {
    await start();
    const labels = () => [...document.querySelectorAll('[data-testid="team-option"]')].map((b) => (b as HTMLInputElement).labels?.[0]?.textContent);
    expect(labels()).toEqual(["Service Desk", "Team id 2"]);
    tid("load-teams").click();
    await vi.waitFor(() => expect(labels()).toEqual(["Service Desk", "Infrastructure", "Projects", "Field Engineers"]));
    const projects = document.querySelector<HTMLInputElement>('[data-testid="team-option"][data-team="3"]');
    expect(projects?.checked).toBe(false);
    if (projects) {
      projects.checked = true;
      projects.dispatchEvent(new Event("change"));
    }
    const desk = document.querySelector<HTMLInputElement>('[data-testid="team-option"][data-team="1"]');
    if (desk) {
      desk.checked = false;
      desk.dispatchEvent(new Event("change"));
    }
    expect(app.form.watch.teams).toEqual([2, 3]);
  });

  it("the template preview follows typing, and names a bad field", async () => {
    await start();
    await vi.waitFor(() => expect(tid("preview-title").textContent).toBe("P1 - Critical · Contoso Ltd: Email server down for the whole office"));
    type("field-templates.title", "#{id} {summary}");
    await vi.waitFor(() => expect(tid("preview-title").textContent).toBe("#1042 Email server down for the whole office"));
    type("field-templates.title", "{nonsense}");
    await vi.waitFor(() => expect(tid("preview-error").hidden).toBe(false));
    expect(tid("error-templates.title").textContent).toMatch(/\{nonsense\} is not a field/);
  });

  it("the preview is debounced while typing", async () => {
    vi.useFakeTimers();
    loadPage("settings");
    backend = new MockBackend({ search: "mode=live&secret=1" });
    app = new SettingsApp(document, backend, { previewDelayMs: 400 });
    await app.start();
    const before = backend.calls.filter((c) => c.command === "preview_template").length;
    for (const t of ["a", "ab", "abc", "abcd"]) type("field-templates.title", t);
    expect(backend.calls.filter((c) => c.command === "preview_template").length).toBe(before);
    await vi.advanceTimersByTimeAsync(400);
    expect(backend.calls.filter((c) => c.command === "preview_template").length).toBe(before + 1);
  });

  it("webhook: generating a token shows the URL, the JSON body and the events, each copyable", async () => {
    await start();
    expect(tid("webhook-token-status").textContent).toMatch(/No token yet/);
    expect(tid("webhook-setup").hidden).toBe(true);
    tid("regenerate-token").click();
    await vi.waitFor(() => expect(tid("webhook-setup").hidden).toBe(false));
    expect(tid("webhook-url").textContent).toMatch(/^http:\/\/127\.0\.0\.1:8787\/webhook\/[a-z0-9]{24}$/);
    expect(JSON.parse(tid("webhook-body").textContent ?? "")).toHaveProperty("ticket_id");
    expect([...tid("webhook-events").querySelectorAll("li")].map((li) => li.textContent)).toEqual(["New Ticket Logged", "Ticket Status Changed"]);
    tid("copy-webhook-url").click();
    tid("copy-webhook-body").click();
    tid("copy-webhook-events").click();
    await vi.waitFor(() => expect(copied).toHaveLength(3));
    expect(copied[0]).toBe(tid("webhook-url").textContent);
    expect(copied[2]).toBe("New Ticket Logged\nTicket Status Changed");
    // Regenerating an existing token asks first.
    tid("regenerate-token").click();
    expect(tid("regenerate-confirm-step").hidden).toBe(false);
    tid("regenerate-cancel").click();
    expect(backend.calls.filter((c) => c.command === "regenerate_webhook_token")).toHaveLength(1);
  });

  it("duty hours and escalation steps can be added and removed", async () => {
    await start();
    tid("add-window").click();
    expect(app.form.schedule?.windows).toHaveLength(2);
    tid("remove-window-0").click();
    expect(app.form.schedule?.windows.map((w) => w.days)).toEqual(["sat,sun"]);
    tick("schedule-enabled", false);
    expect(app.form.schedule).toBeNull();
    tid("add-step-low").click();
    expect(app.form.escalation?.policies.low?.steps).toHaveLength(2);
    expect(tid("field-escalation.policies.low.steps.1.delay")).toBeTruthy();
    tid("remove-step-low-1").click();
    expect(app.form.escalation?.policies.low?.steps).toHaveLength(1);
  });

  it("works with a form that leaves unset keys out, and sends them back out", async () => {
    loadPage("settings");
    backend = new MockBackend({ search: "" });
    const sparse = JSON.parse(JSON.stringify(exampleSettings())) as Record<string, unknown> & SettingsForm;
    delete sparse.escalation;
    delete sparse.schedule;
    delete sparse.halo.url;
    delete sparse.halo.tenant;
    delete sparse.halo.client_id;
    vi.spyOn(backend, "getSettings").mockResolvedValue(sparse);
    app = new SettingsApp(document, backend, { previewDelayMs: 0 });
    await app.start();
    expect(tid<HTMLInputElement>("schedule-enabled").checked).toBe(false);
    expect(tid<HTMLInputElement>("field-halo.url").value).toBe("");
    expect(tid("demo-status").textContent).toMatch(/Demo mode is on/);
    expect(await app.save()).toBe(true);
    const sent = (saves()[0]?.args as { form: SettingsForm }).form;
    expect(sent).not.toHaveProperty("escalation");
    expect(sent).not.toHaveProperty("schedule");
    expect(sent.halo).not.toHaveProperty("url");
  });

  it("the log folder link asks the app to open it", async () => {
    await start();
    tid("open-log-folder").click();
    expect(backend.calls.map((c) => c.command)).toContain("open_log_folder");
  });

  it("Undo changes restores the saved form", async () => {
    await start();
    type("field-halo.url", "https://other.halopsa.com");
    tid("settings-revert").click();
    expect(tid<HTMLInputElement>("field-halo.url").value).toBe("https://yourcompany.halopsa.com");
    expect(tid("unsaved").hidden).toBe(true);
  });
});

describe("accessibility basics", () => {
  it("every settings control has a label and every button a name", async () => {
    await start();
    tid("regenerate-token").click();
    await vi.waitFor(() => expect(tid("webhook-setup").hidden).toBe(false));
    const unlabelled = [...document.querySelectorAll<HTMLInputElement>("input, select, textarea")]
      .filter((el) => !el.classList.contains("visually-hidden"))
      .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute("aria-label"))
      .map((el) => el.dataset.testid ?? el.outerHTML);
    expect(unlabelled).toEqual([]);
    const nameless = [...document.querySelectorAll("button")].filter((b) => !b.textContent?.trim() && !b.getAttribute("aria-label"));
    expect(nameless).toEqual([]);
    const testids = [...document.querySelectorAll("[data-testid]:not([data-testid=team-option])")].map((e) => e.getAttribute("data-testid"));
    expect(new Set(testids).size).toBe(testids.length);
  });
});
