// The mock backend behaves like the command surface, so the window tests
// (and a developer clicking around with ?mock=1) see realistic flows.
import { describe, expect, it } from "vitest";
import { MockBackend } from "../src/api/mock";
import type { EngineEvent } from "../src/api/types";
import { NOW } from "./helpers";

const ids = (xs: { ticket_id: number }[]) => xs.map((x) => x.ticket_id).sort();

describe("mock backend", () => {
  it("acknowledging moves an alert from open to recent and announces it", async () => {
    const b = new MockBackend({ now: () => NOW });
    const events: EngineEvent[] = [];
    await b.onEngineEvent((e) => events.push(e));
    expect(ids((await b.listAlerts()).open)).toContain(1041);
    const acked = await b.acknowledge(1041);
    expect(acked.state).toBe("acknowledged");
    const list = await b.listAlerts();
    expect(ids(list.open)).not.toContain(1041);
    expect(ids(list.recent)).toContain(1041);
    await Promise.resolve();
    expect(events.map((e) => e.event)).toContain("alert_changed");
    await expect(b.acknowledge(1030)).rejects.toMatchObject({ kind: "not_found" });
  });

  it("closing needs one of Halo's closed statuses and resolves the alert", async () => {
    const b = new MockBackend({ now: () => NOW });
    await expect(b.closeTicket(1042, "x", 1)).rejects.toMatchObject({ kind: "validation" });
    expect(ids((await b.listAlerts()).open)).toContain(1042);
    await b.closeTicket(1042, "fixed", 10);
    const detail = await b.alertDetail(1042);
    expect(detail.alert.state).toBe("resolved");
    expect(detail.timeline.at(-1)).toMatchObject({ kind: "resolved", detail: "Closed as Resolved: fixed" });
  });

  it("snoozes for whole minutes only, and status counts follow", async () => {
    const b = new MockBackend({ now: () => NOW });
    await expect(b.snooze(1042, 0)).rejects.toMatchObject({ kind: "validation" });
    expect((await b.appStatus()).tray).toBe("critical");
    const s = await b.snooze(1042, 15);
    expect(s.snoozed_until).toBe(new Date(NOW.getTime() + 15 * 60_000).toISOString());
    expect((await b.appStatus()).tray).toBe("alerts");
  });

  it("never returns the secret, only whether one is stored", async () => {
    const b = new MockBackend({ search: "mode=live" });
    const form = await b.getSettings();
    form.halo.secret = "hunter2";
    const saved = await b.saveSettings(form);
    expect(saved.halo.secret).toBeNull();
    expect(saved.halo.secret_stored).toBe(true);
    expect(JSON.stringify(b.calls)).not.toContain("hunter2");
    expect(JSON.stringify(await b.getSettings())).not.toContain("hunter2");
  });
});
