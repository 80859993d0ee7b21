// The ticket's details as HTML: end users write it, so it is hostile until
// proven otherwise. Rust already ran it through ammonia; here DOMPurify runs
// again with a narrow allow-list (defence in depth: a bug in either layer is
// not enough). Links keep their text but lose their target, so nothing in a
// ticket can navigate the webview; a click opens the ticket in Halo instead.

import DOMPurify from "dompurify";
import { stripControls } from "./text";

/** Longer details are cut: a window is no place for a 5 MB email thread. */
export const MAX_DETAILS_CHARS = 100_000;

const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "h5",
  "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
  "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
];

// No style, class, id, name, dir or data-*: ticket markup must not restyle
// the window, clobber our ids, flip text direction or fake our test ids.
const ALLOWED_ATTR = ["href", "title", "colspan", "rowspan"];

type Purifier = ReturnType<typeof DOMPurify>;
let purifier: Purifier | null = null;

function instance(): Purifier {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  p.addHook("afterSanitizeAttributes", (node) => {
    if (node.nodeName !== "A") return;
    const el = node as Element;
    const href = el.getAttribute("href");
    el.removeAttribute("href");
    el.removeAttribute("target");
    el.setAttribute("class", "ticket-link");
    el.setAttribute(
      "title",
      href
        ? `Link to ${stripControls(href).slice(0, 300)}: open the ticket in Halo to follow it`
        : "Open the ticket in Halo to follow links",
    );
  });
  purifier = p;
  return p;
}

const CONFIG = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  // Link targets are dropped by the hook below whatever their scheme, so
  // DOMPurify's default URI check (no javascript:, data: only on media) stays.
  ALLOW_UNKNOWN_PROTOCOLS: false,
  SANITIZE_DOM: true,
  SANITIZE_NAMED_PROPS: true,
  KEEP_CONTENT: true,
  WHOLE_DOCUMENT: false,
  RETURN_DOM_FRAGMENT: true as const,
};

/** Hostile HTML in, an inert fragment out (no scripts, handlers, styles, links). */
export function sanitizeDetails(html: string): DocumentFragment {
  const input = stripControls(html.length > MAX_DETAILS_CHARS ? html.slice(0, MAX_DETAILS_CHARS) : html);
  return instance().sanitize(input, CONFIG);
}

/**
 * Puts the ticket's details into `container`: the sanitised HTML when there is
 * any, else the plain text. A click on any link calls `onLink` and never
 * follows it.
 */
export function renderDetails(
  container: HTMLElement,
  html: string | null,
  text: string | null | undefined,
  onLink: () => void,
): void {
  container.replaceChildren();
  if (html && html.trim() !== "") {
    container.classList.remove("plain");
    try {
      container.append(sanitizeDetails(html));
    } catch {
      // Pathological markup (nesting thousands deep) can exhaust the parser:
      // show nothing of it rather than anything unsanitised.
      container.classList.add("plain");
      container.textContent = "These details are too complex to show here: open the ticket in Halo.";
    }
  } else {
    container.classList.add("plain");
    const clean = stripControls(text ?? "");
    container.textContent = clean.length > MAX_DETAILS_CHARS ? `${clean.slice(0, MAX_DETAILS_CHARS)}…` : clean;
    if (!clean.trim()) container.textContent = "No details on this ticket.";
  }
  if (!linkHandlers.has(container)) {
    container.addEventListener("click", (event) => {
      const target = event.target as Element | null;
      if (target?.closest("a")) {
        event.preventDefault();
        linkHandlers.get(container)?.();
      }
    });
  }
  linkHandlers.set(container, onLink);
}

const linkHandlers = new WeakMap<HTMLElement, () => void>();
