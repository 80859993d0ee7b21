// Inputs bound to the settings form by path: each shows its JSON value, and
// writes back what the user typed (or records what is wrong with it). Every
// input has a label, optional help, and an error line next to it.

import type { SettingsForm } from "../api/types";
import { h } from "../lib/dom";
import { type FieldKind, formatValue, parseValue } from "./fields";
import { getPath, normalisePath, pathAndParents, setPath } from "./paths";

export interface FieldOptions {
  help?: string;
  placeholder?: string;
  /** The input type for text-like kinds (url, password, number, time). */
  type?: string;
  /** A select's choices: [value, label]. */
  options?: [string, string][];
  multiline?: boolean;
  required?: boolean;
  autocomplete?: string;
  /** Runs after a valid change (e.g. the template preview). */
  onChange?: () => void;
}

export const inputId = (path: string) => `f-${normalisePath(path).replace(/[^A-Za-z0-9_-]/g, "-")}`;

export class Binder {
  /** What the user typed that is not valid yet, by path. */
  readonly parseErrors = new Map<string, string>();

  constructor(
    private form: () => SettingsForm,
    private changed: (path: string) => void,
  ) {}

  /** An error line for `path`; placeErrors fills it. */
  errorSlot(path: string): HTMLElement {
    return h("p", {
      class: "field-error",
      id: `${inputId(path)}-error`,
      "data-testid": `error-${path}`,
      "data-error-for": path,
      role: "alert",
      hidden: true,
    });
  }

  field(path: string, label: string, kind: FieldKind, opts: FieldOptions = {}): HTMLElement {
    const id = inputId(path);
    const helpId = opts.help ? `${id}-help` : undefined;
    const describedBy = [helpId, `${id}-error`].filter(Boolean).join(" ");
    const value = formatValue(kind, getPath(this.form(), path));
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (kind === "bool") {
      const box = h("input", { type: "checkbox", id, "data-testid": `field-${path}`, "data-field": path, "aria-describedby": describedBy });
      box.checked = value === true;
      box.addEventListener("change", () => this.write(path, kind, box.checked, opts));
      return h(
        "div",
        { class: "field check" },
        box,
        h("label", { for: id, text: label }),
        opts.help ? h("p", { class: "help", id: helpId, text: opts.help }) : null,
        this.errorSlot(path),
      );
    }
    if (opts.options) {
      const select = h("select", { id, "data-testid": `field-${path}`, "data-field": path, "aria-describedby": describedBy });
      for (const [v, l] of opts.options) select.append(h("option", { value: v, text: l }));
      select.value = String(value);
      select.addEventListener("change", () => this.write(path, kind, select.value, opts));
      input = select;
    } else if (opts.multiline) {
      const area = h("textarea", { id, rows: "3", "data-testid": `field-${path}`, "data-field": path, "aria-describedby": describedBy, spellcheck: "false" });
      area.value = String(value);
      area.addEventListener("input", () => this.write(path, kind, area.value, opts));
      input = area;
    } else {
      const short = kind === "int" || kind === "duration" || kind === "optional-duration" || kind === "time";
      const text = h("input", {
        class: short ? "short" : undefined,
        type: opts.type ?? (kind === "int" ? "number" : "text"),
        id,
        "data-testid": `field-${path}`,
        "data-field": path,
        "aria-describedby": describedBy,
        placeholder: opts.placeholder,
        autocomplete: opts.autocomplete ?? "off",
        spellcheck: "false",
        required: opts.required,
        min: kind === "int" ? "0" : undefined,
      });
      text.value = String(value);
      text.addEventListener("input", () => this.write(path, kind, text.value, opts));
      input = text;
    }
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, label, opts.required ? h("span", { class: "required", "aria-hidden": "true", text: " *" }) : null),
      input,
      opts.help ? h("p", { class: "help", id: helpId, text: opts.help }) : null,
      this.errorSlot(path),
    );
  }

  private write(path: string, kind: FieldKind, raw: string | boolean, opts: FieldOptions): void {
    const parsed = parseValue(kind, raw);
    if (parsed.ok) {
      setPath(this.form() as unknown as Record<string, unknown>, path, parsed.value);
      this.parseErrors.delete(path);
      clearError(document, path);
      opts.onChange?.();
    } else {
      this.parseErrors.set(path, parsed.error);
    }
    this.changed(path);
  }
}

function clearError(root: ParentNode, path: string): void {
  const slot = root.querySelector<HTMLElement>(`[data-error-for="${q(path)}"]`);
  if (slot) {
    slot.hidden = true;
    slot.textContent = "";
  }
  root.querySelector(`[data-field="${q(path)}"]`)?.removeAttribute("aria-invalid");
}

/**
 * Shows each error next to its field: the field's own line if there is one,
 * else the nearest enclosing group's (a policy, a section). Returns the
 * messages that found no place (shown by the Save button) and focuses the
 * first field in error.
 */
export function placeErrors(root: ParentNode, errors: Record<string, string>): string[] {
  root.querySelectorAll<HTMLElement>("[data-error-for]").forEach((slot) => {
    slot.hidden = true;
    slot.textContent = "";
  });
  root.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const [rawPath, message] of Object.entries(errors)) {
    const path = normalisePath(rawPath);
    const target = pathAndParents(path).find((p) => root.querySelector(`[data-error-for="${q(p)}"]`));
    if (!target) {
      unplaced.push(`${rawPath}: ${message}`);
      continue;
    }
    const slot = root.querySelector<HTMLElement>(`[data-error-for="${q(target)}"]`);
    if (!slot) continue;
    const text = target === path ? message : `${path.slice(target.length + 1) || path}: ${message}`;
    slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
    slot.hidden = false;
    const input = root.querySelector<HTMLElement>(`[data-field="${q(target)}"]`);
    input?.setAttribute("aria-invalid", "true");
    // Open a collapsed group so the message can be seen.
    let parent = slot.parentElement;
    while (parent) {
      if (parent instanceof HTMLDetailsElement) parent.open = true;
      parent = parent.parentElement;
    }
    const focusable = input ?? slot;
    if (!first || (first.compareDocumentPosition(focusable) & Node.DOCUMENT_POSITION_PRECEDING) !== 0) first = focusable;
  }
  if (first && first.matches("input, select, textarea")) first.focus();
  return unplaced;
}

/** A value for a `[attr="…"]` selector. */
function q(value: string): string {
  return value.replace(/["\\]/g, "\\$&");
}
