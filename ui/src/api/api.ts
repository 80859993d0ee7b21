// The only door to the Rust side: every command and event the windows use,
// typed. The Tauri backend and the mock backend (tests, plain-browser
// development with `?mock=1`) both implement `Backend`.

import type {
  AlertDetail,
  AlertList,
  AlertView,
  AppStatus,
  ClosedStatus,
  CommandError,
  ConnectionReport,
  EngineEvent,
  ErrorKind,
  SettingsForm,
  Team,
  TemplatePreview,
  WebhookSetup,
  WebhookToken,
} from "./types";

export type Unlisten = () => void;

export interface Backend {
  /** "tauri" in the app, "mock" in tests and plain browsers. */
  readonly name: "tauri" | "mock";

  listAlerts(): Promise<AlertList>;
  alertDetail(ticketId: number): Promise<AlertDetail>;
  acknowledge(ticketId: number): Promise<AlertView>;
  acknowledgeAll(): Promise<number>;
  snooze(ticketId: number, minutes: number): Promise<AlertView>;
  take(ticketId: number): Promise<null>;
  closedStatuses(): Promise<ClosedStatus[]>;
  closeTicket(ticketId: number, note: string, statusId: number): Promise<null>;
  openInHalo(ticketId: number): Promise<null>;
  sendTestAlert(): Promise<null>;
  pause(minutes: number | null): Promise<{ until: string | null }>;
  appStatus(): Promise<AppStatus>;
  /** Opens (or focuses) the settings window. */
  openSettings(): Promise<null>;

  getSettings(): Promise<SettingsForm>;
  saveSettings(form: SettingsForm): Promise<SettingsForm>;
  testConnection(form: SettingsForm): Promise<ConnectionReport>;
  listTeams(form: SettingsForm): Promise<Team[]>;
  previewTemplate(form: SettingsForm): Promise<TemplatePreview>;
  regenerateWebhookToken(): Promise<WebhookToken>;
  webhookSetup(): Promise<WebhookSetup>;
  openLogFolder(): Promise<null>;

  onEngineEvent(handler: (event: EngineEvent) => void): Promise<Unlisten>;
  onAppStatus(handler: (status: AppStatus) => void): Promise<Unlisten>;
  onFocusAlert(handler: (ticketId: number) => void): Promise<Unlisten>;
}

const KINDS: readonly ErrorKind[] = [
  "not_found",
  "halo",
  "validation",
  "keyring",
  "store",
  "busy",
  "internal",
];

/**
 * Whatever a command rejected with, as the contract's error shape. A Rust
 * command always sends `{kind, message}`; anything else (a Tauri IPC failure,
 * a thrown JS error) becomes `internal` with the best message available.
 */
export function toCommandError(raw: unknown): CommandError {
  if (raw && typeof raw === "object") {
    const obj = raw as Record<string, unknown>;
    const kind = KINDS.includes(obj.kind as ErrorKind) ? (obj.kind as ErrorKind) : "internal";
    const message =
      typeof obj.message === "string" && obj.message.trim() !== ""
        ? obj.message
        : "Something went wrong; see the log folder (Settings) for details.";
    const error: CommandError = { kind, message };
    if (obj.fields && typeof obj.fields === "object") {
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(obj.fields as Record<string, unknown>)) {
        if (typeof v === "string") fields[k] = v;
      }
      error.fields = fields;
    }
    return error;
  }
  if (typeof raw === "string" && raw.trim() !== "") return { kind: "internal", message: raw };
  return {
    kind: "internal",
    message: "Something went wrong; see the log folder (Settings) for details.",
  };
}

let current: Backend | null = null;

/** Whether this page runs inside the Tauri webview. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/** Whether the page asks for the mock backend (`?mock=1`). */
export function wantsMock(search: string): boolean {
  return new URLSearchParams(search).get("mock") === "1";
}

/**
 * The backend for this page: the Tauri one inside the app, the mock one with
 * `?mock=1` or in a plain browser (the page then says so).
 */
export async function backend(): Promise<Backend> {
  if (current) return current;
  if (!wantsMock(window.location.search) && inTauri()) {
    const { TauriBackend } = await import("./tauri");
    current = new TauriBackend();
  } else {
    const { MockBackend } = await import("./mock");
    current = new MockBackend({ search: window.location.search });
  }
  return current;
}

/** Tests put a backend in place before a page starts. */
export function useBackend(b: Backend | null): void {
  current = b;
}
