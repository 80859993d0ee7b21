// Checks made before Save, so the obvious mistakes are pointed out at once;
// the Rust side checks everything again (and alone knows e.g. regex syntax).
// Messages say what to do, like the config file's errors.

import type { SettingsForm } from "../api/types";
import { durationSeconds } from "./fields";

export type FieldErrors = Record<string, string>;

/** A Halo address as people paste it: with or without https://, no spaces. */
export function checkHaloUrl(raw: string, allowInsecure: boolean): string | null {
  const text = raw.trim();
  if (/\s/.test(text)) return "An address has no spaces: paste it from your browser's address bar";
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return `“${text}” is not a web address: use e.g. https://yourcompany.halopsa.com`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return "Use an https:// address, e.g. https://yourcompany.halopsa.com";
  }
  if (!url.hostname.includes(".") && url.hostname !== "localhost") {
    return `“${url.hostname}” is not a full host name: use e.g. yourcompany.halopsa.com`;
  }
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !allowInsecure && !local) {
    return "Plain http:// sends your credentials unencrypted: use https://";
  }
  return null;
}

/** "host:port" as the webhook listener takes it. */
export function checkBind(raw: string, allowRemote: boolean): string | null {
  const text = raw.trim();
  const m = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) return `“${text}” is not an address:port such as 127.0.0.1:8787`;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `Port ${port} is out of range: use 1 to 65535`;
  const host = m[1] ?? "";
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(host) && !host.startsWith("[")) {
    return `Use an IP address, not a host name, e.g. 127.0.0.1:${port}`;
  }
  const loopback = host.startsWith("127.") || host === "[::1]";
  if (!loopback && !allowRemote) {
    return `${text} accepts webhooks from other machines: tick “Allow other machines” if that is intended (and put TLS in front), or use 127.0.0.1`;
  }
  return null;
}

export function validateSettings(form: SettingsForm): FieldErrors {
  const errors: FieldErrors = {};
  const h = form.halo;
  const url = h.url?.trim() ?? "";
  if (url) {
    const problem = checkHaloUrl(url, h.allow_insecure_http);
    if (problem) errors["halo.url"] = problem;
    if (!h.client_id?.trim()) {
      errors["halo.client_id"] =
        "Required: create an API application in Halo (Configuration > Integrations > Halo API, “Client ID and Secret”) and paste its client ID";
    }
    if (!h.secret_stored && !h.secret?.trim()) {
      errors["halo.secret"] = "Required: paste the API application's client secret (it is kept in the OS keyring)";
    }
  }
  if (form.webhook.public_url?.trim()) {
    const problem = checkHaloUrl(form.webhook.public_url, true);
    if (problem) errors["webhook.public_url"] = problem.replace("Halo", "the public");
  }
  if (h.auth_server?.trim()) {
    const problem = checkHaloUrl(h.auth_server, h.allow_insecure_http);
    if (problem) errors["halo.auth_server"] = problem;
  }

  const poll = durationSeconds(form.watch.poll_interval);
  if (poll === null) errors["watch.poll_interval"] = "Enter a duration such as 30s or 1m";
  else if (poll < 10) errors["watch.poll_interval"] = "At least 10s, to stay well under Halo's 300 requests per 5 minutes";
  for (const key of ["reconcile_every", "overlap"] as const) {
    if (durationSeconds(form.watch[key]) === null) errors[`watch.${key}`] = "Enter a duration such as 15m or 2m";
  }

  if (form.webhook.enabled || form.webhook.bind.trim() !== "127.0.0.1:8787") {
    const problem = checkBind(form.webhook.bind, form.webhook.allow_remote);
    if (problem) errors["webhook.bind"] = problem;
  }

  if (form.grouping.enabled) {
    if (!Number.isInteger(form.grouping.threshold) || form.grouping.threshold < 1) {
      errors["grouping.threshold"] = "Enter a whole number of alerts, at least 1";
    }
    const window = durationSeconds(form.grouping.window);
    if (window === null || window <= 0) errors["grouping.window"] = "Enter a duration such as 2m";
  }

  for (const key of ["title", "body", "summary_title"] as const) {
    if (!form.templates[key].trim()) errors[`templates.${key}`] = "A notification needs this: enter a template, e.g. {summary}";
  }

  if (!Number.isInteger(form.log.retention_days) || form.log.retention_days < 1) {
    errors["log.retention_days"] = "Keep the log at least 1 day";
  }

  if (form.schedule) {
    if (!form.schedule.timezone.trim()) errors["schedule.timezone"] = "Enter a time zone such as Europe/London";
    if (form.schedule.windows.length === 0) errors["schedule.windows"] = "Add at least one duty window, or turn duty hours off";
    form.schedule.windows.forEach((w, i) => {
      if (!w.days.trim()) errors[`schedule.windows.${i}.days`] = "Enter days such as mon-fri or sat,sun";
    });
  }

  if (form.escalation) {
    for (const [name, policy] of Object.entries(form.escalation.policies)) {
      if (policy.steps.length === 0) errors[`escalation.policies.${name}.steps`] = "A policy needs at least one step";
      policy.steps.forEach((step, i) => {
        const at = `escalation.policies.${name}.steps.${i}`;
        if (step.delay && durationSeconds(step.delay) === null) errors[`${at}.delay`] = "Enter a duration such as 0s or 5m";
        if ((step.max_repeats ?? 0) > 0 && !step.repeat_every) {
          errors[`${at}.repeat_every`] = "Repeats need an interval, e.g. 5m";
        }
      });
    }
    const names = Object.keys(form.escalation.policies);
    for (const [priority, name] of Object.entries(form.escalation.by_priority)) {
      if (names.length > 0 && !names.includes(name)) {
        errors[`escalation.by_priority.${priority}`] = `No policy is called “${name}”`;
      }
    }
  }
  return errors;
}
