// The hostile ticket corpus: whatever end users type into a ticket must come
// out inert (no script runs, no handler, no navigation, no restyling).
import { afterEach, describe, expect, it, vi } from "vitest";
import { HOSTILE_HTML } from "../src/api/mock-data";
import { MAX_DETAILS_CHARS, renderDetails, sanitizeDetails } from "../src/lib/sanitize";

declare global {
  interface Window {
    __pwned?: number;
  }
}

function html(input: string): string {
  const div = document.createElement("div");
  div.append(sanitizeDetails(input));
  return div.innerHTML;
}

function attach(input: string): HTMLElement {
  const div = document.createElement("div");
  document.body.append(div);
  renderDetails(div, input, null, () => {});
  return div;
}

const CORPUS: [string, string][] = [
  ["script tag", "<p>a</p><script>window.__pwned = 1</script>"],
  ["script in svg", "<svg><script>window.__pwned = 1</script></svg>"],
  ["img onerror", '<img src="x" onerror="window.__pwned = 1">'],
  ["svg onload", '<svg onload="window.__pwned = 1"></svg>'],
  ["body onload", '<body onload="window.__pwned = 1">'],
  ["iframe", '<iframe src="javascript:window.__pwned=1"></iframe>'],
  ["iframe srcdoc", '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>'],
  ["object", '<object data="javascript:window.__pwned=1"></object>'],
  ["embed", '<embed src="javascript:window.__pwned=1">'],
  ["javascript link", '<a href="javascript:window.__pwned=1">x</a>'],
  ["obfuscated javascript link", '<a href="jav&#x09;ascript:window.__pwned=1">x</a>'],
  ["data link", '<a href="data:text/html,<script>window.__pwned=1</script>">x</a>'],
  ["vbscript link", '<a href="vbscript:msgbox(1)">x</a>'],
  ["meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">'],
  ["base href", '<base href="https://evil.example.com/">'],
  ["form", '<form action="https://evil.example.com"><input name="p"><button formaction="javascript:1">go</button></form>'],
  ["style element", "<style>body{display:none}</style>"],
  ["style attribute", '<div style="position:fixed;inset:0;background:url(javascript:1)">x</div>'],
  ["link stylesheet", '<link rel="stylesheet" href="https://evil.example.com/x.css">'],
  ["math", '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=1">'],
  ["mutation XSS", '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">'],
  ["template", '<template><img src=x onerror="window.__pwned=1"></template>'],
  ["details ontoggle", '<details open ontoggle="window.__pwned=1">x</details>'],
  ["video", '<video><source onerror="window.__pwned=1"></video>'],
  ["clobbering", '<img name="getElementById"><form id="body"></form><a id="app">x</a>'],
];

afterEach(() => {
  document.body.replaceChildren();
  delete window.__pwned;
});

describe("ticket details sanitiser", () => {
  it.each(CORPUS)("defuses %s", (_name, input) => {
    const out = html(input);
    expect(out).not.toMatch(/<(script|iframe|object|embed|svg|math|style|link|meta|base|form|input|img|video|source|template|noscript)\b/i);
    expect(out).not.toMatch(/\son[a-z]+\s*=/i);
    expect(out).not.toMatch(/javascript:|vbscript:|data:text/i);
    expect(out).not.toMatch(/\s(style|id|name|src|srcdoc|action|formaction)=/i);
    attach(input);
    expect(window.__pwned).toBeUndefined();
  });

  it("keeps the readable content: paragraphs, lists, emphasis, tables", () => {
    const out = html("<p>Since <strong>09:10</strong></p><ul><li>one</li></ul><table><tr><td colspan=2>cell</td></tr></table>");
    expect(out).toContain("<strong>09:10</strong>");
    expect(out).toContain("<li>one</li>");
    expect(out).toContain('<td colspan="2">cell</td>');
  });

  it("keeps a link's text but takes its target away", () => {
    const out = html('<a href="https://status.example.com" target="_blank">status page</a>');
    expect(out).toContain("status page");
    expect(out).not.toContain("href");
    expect(out).not.toContain("target");
    expect(out).toContain('title="Link to https://status.example.com: open the ticket in Halo to follow it"');
  });

  it("a click on a link opens the ticket in Halo and never navigates", () => {
    const onLink = vi.fn();
    const div = document.createElement("div");
    document.body.append(div);
    renderDetails(div, '<p><a href="https://evil.example.com">here</a></p>', null, onLink);
    const link = div.querySelector("a");
    expect(link).not.toBeNull();
    const event = new MouseEvent("click", { bubbles: true, cancelable: true });
    link?.dispatchEvent(event);
    expect(onLink).toHaveBeenCalledTimes(1);
    expect(event.defaultPrevented).toBe(true);
    expect(window.location.href).not.toContain("evil");
  });

  it("strips data-* and aria attributes so a ticket cannot fake the window's test ids", () => {
    const out = html('<p data-testid="action-acknowledge" aria-label="Acknowledge" class="primary">x</p>');
    expect(out).toBe("<p>x</p>");
  });

  it("removes right-to-left overrides that disguise file names", () => {
    const out = html("<p>invoice\u202Egnp.exe</p><p>\u2066isolate\u2069</p>");
    expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(out).toContain("invoicegnp.exe");
  });

  it("cuts huge details instead of freezing the window", () => {
    const huge = `<p>${"A".repeat(MAX_DETAILS_CHARS * 5)}</p>`;
    const out = html(huge);
    expect(out.length).toBeLessThanOrEqual(MAX_DETAILS_CHARS + 20);
    const div = document.createElement("div");
    const nested = "<div>".repeat(1000) + "<img src=x onerror=window.__pwned=1>deep" + "</div>".repeat(1000);
    renderDetails(div, nested, null, () => {});
    expect(div.querySelector("img")).toBeNull();
    expect(window.__pwned).toBeUndefined();
    expect(div.textContent).toMatch(/deep|open the ticket in Halo/);
  });

  it("the demo's hostile ticket comes out inert as a whole", () => {
    const div = attach(HOSTILE_HTML);
    expect(window.__pwned).toBeUndefined();
    expect(div.querySelector("script, img, svg, iframe, object, style, form, input, button, [style], [id], [data-testid]")).toBeNull();
    expect(div.textContent).toContain("click me");
    expect(div.textContent).toContain("fake test id");
  });

  it("shows plain text (not HTML) when there is no HTML", () => {
    const div = document.createElement("div");
    renderDetails(div, null, "<b>not bold</b>\nsecond line", () => {});
    expect(div.querySelector("b")).toBeNull();
    expect(div.textContent).toBe("<b>not bold</b>\nsecond line");
    expect(div.classList.contains("plain")).toBe(true);
  });
});
