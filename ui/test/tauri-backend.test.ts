// The Tauri backend speaks the command surface exactly: command names,
// camelCase argument keys, event names, and the one error shape.
import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
const handlers = new Map<string, (e: { payload: unknown }) => void>();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock("@tauri-apps/api/event", () => ({
  listen: async (name: string, handler: (e: { payload: unknown }) => void) => {
    handlers.set(name, handler);
    return () => handlers.delete(name);
  },
}));

const { TauriBackend } = await import("../src/api/tauri");
const { exampleSettings } = await import("../src/api/mock-data");

beforeEach(() => {
  invoke.mockReset();
  invoke.mockResolvedValue(null);
  handlers.clear();
});

describe("TauriBackend", () => {
  it("calls each command by its contract name with camelCase arguments", async () => {
    const b = new TauriBackend();
    const form = exampleSettings();
    await b.listAlerts();
    await b.alertDetail(7);
    await b.acknowledge(7);
    await b.acknowledgeAll();
    await b.snooze(7, 15);
    await b.take(7);
    await b.closedStatuses();
    await b.closeTicket(7, "done", 9);
    await b.openInHalo(7);
    await b.sendTestAlert();
    await b.pause(null);
    await b.appStatus();
    await b.openSettings();
    await b.getSettings();
    await b.saveSettings(form);
    await b.testConnection(form);
    await b.listTeams(form);
    await b.previewTemplate(form);
    await b.regenerateWebhookToken();
    await b.webhookSetup();
    await b.openLogFolder();
    expect(invoke.mock.calls).toEqual([
      ["list_alerts", undefined],
      ["alert_detail", { ticketId: 7 }],
      ["acknowledge", { ticketId: 7 }],
      ["acknowledge_all", undefined],
      ["snooze", { ticketId: 7, minutes: 15 }],
      ["take", { ticketId: 7 }],
      ["closed_statuses", undefined],
      ["close_ticket", { ticketId: 7, note: "done", statusId: 9 }],
      ["open_in_halo", { ticketId: 7 }],
      ["send_test_alert", undefined],
      ["pause", { minutes: null }],
      ["app_status", undefined],
      ["open_settings", undefined],
      ["get_settings", undefined],
      ["save_settings", { form }],
      ["test_connection", { form }],
      ["list_teams", { form }],
      ["preview_template", { form }],
      ["regenerate_webhook_token", undefined],
      ["webhook_setup", undefined],
      ["open_log_folder", undefined],
    ]);
  });

  it("rejects with the contract's error shape", async () => {
    const b = new TauriBackend();
    invoke.mockRejectedValueOnce({ kind: "halo", message: "Halo is unreachable: check the address" });
    await expect(b.take(1)).rejects.toEqual({ kind: "halo", message: "Halo is unreachable: check the address" });
    invoke.mockRejectedValueOnce("command take not allowed by the capability");
    await expect(b.take(1)).rejects.toEqual({ kind: "internal", message: "command take not allowed by the capability" });
  });

  it("listens to the three events by name", async () => {
    const b = new TauriBackend();
    const seen: unknown[] = [];
    await b.onEngineEvent((e) => seen.push(e));
    await b.onAppStatus((s) => seen.push(s));
    await b.onFocusAlert((id) => seen.push(id));
    expect([...handlers.keys()].sort()).toEqual(["app-status", "engine-event", "focus-alert"]);
    handlers.get("engine-event")?.({ payload: { event: "alerts_changed", count: 3 } });
    handlers.get("focus-alert")?.({ payload: { ticketId: 42 } });
    expect(seen).toEqual([{ event: "alerts_changed", count: 3 }, 42]);
  });
});
