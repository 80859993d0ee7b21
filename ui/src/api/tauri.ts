// The Backend over Tauri's IPC: one `invoke` per command, one `listen` per
// event. Errors are normalised to the contract's shape here, once.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Backend, Unlisten } from "./api";
import { toCommandError } from "./api";
import type {
  AlertDetail,
  AlertList,
  AlertView,
  AppStatus,
  ClosedStatus,
  ConnectionReport,
  EngineEvent,
  SettingsForm,
  Team,
  TemplatePreview,
  WebhookSetup,
  WebhookToken,
} from "./types";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

export class TauriBackend implements Backend {
  readonly name = "tauri" as const;

  listAlerts() {
    return call<AlertList>("list_alerts");
  }
  alertDetail(ticketId: number) {
    return call<AlertDetail>("alert_detail", { ticketId });
  }
  acknowledge(ticketId: number) {
    return call<AlertView>("acknowledge", { ticketId });
  }
  acknowledgeAll() {
    return call<number>("acknowledge_all");
  }
  snooze(ticketId: number, minutes: number) {
    return call<AlertView>("snooze", { ticketId, minutes });
  }
  take(ticketId: number) {
    return call<null>("take", { ticketId });
  }
  closedStatuses() {
    return call<ClosedStatus[]>("closed_statuses");
  }
  closeTicket(ticketId: number, note: string, statusId: number) {
    return call<null>("close_ticket", { ticketId, note, statusId });
  }
  openInHalo(ticketId: number) {
    return call<null>("open_in_halo", { ticketId });
  }
  sendTestAlert() {
    return call<null>("send_test_alert");
  }
  pause(minutes: number | null) {
    return call<{ until: string | null }>("pause", { minutes });
  }
  appStatus() {
    return call<AppStatus>("app_status");
  }
  openSettings() {
    return call<null>("open_settings");
  }
  getSettings() {
    return call<SettingsForm>("get_settings");
  }
  saveSettings(form: SettingsForm) {
    return call<SettingsForm>("save_settings", { form });
  }
  testConnection(form: SettingsForm) {
    return call<ConnectionReport>("test_connection", { form });
  }
  listTeams(form: SettingsForm) {
    return call<Team[]>("list_teams", { form });
  }
  previewTemplate(form: SettingsForm) {
    return call<TemplatePreview>("preview_template", { form });
  }
  regenerateWebhookToken() {
    return call<WebhookToken>("regenerate_webhook_token");
  }
  webhookSetup() {
    return call<WebhookSetup>("webhook_setup");
  }
  openLogFolder() {
    return call<null>("open_log_folder");
  }

  onEngineEvent(handler: (event: EngineEvent) => void): Promise<Unlisten> {
    return listen<EngineEvent>("engine-event", (e) => handler(e.payload));
  }
  onAppStatus(handler: (status: AppStatus) => void): Promise<Unlisten> {
    return listen<AppStatus>("app-status", (e) => handler(e.payload));
  }
  onFocusAlert(handler: (ticketId: number) => void): Promise<Unlisten> {
    return listen<{ ticketId: number }>("focus-alert", (e) => handler(e.payload.ticketId));
  }
}
