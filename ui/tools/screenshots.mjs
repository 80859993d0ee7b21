// Development only (not part of npm test or CI): screenshots of both windows with
// the mock backend in headless Chromium, light/dark at 100 % and 200 % zoom.
//   npm i --no-save playwright-core   (and Debian's chromium)
//   node build.mjs && node tools/screenshots.mjs dist screenshots-tmp [name-prefix]
// FREEZE=1 freezes Object.prototype first, as Tauri's freezePrototype does.
import http from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";

const dist = process.argv[2];
const out = process.argv[3];
await mkdir(out, { recursive: true });
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".txt": "text/plain" };
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  try {
    const body = await readFile(path.join(dist, url.pathname));
    res.writeHead(200, { "content-type": types[path.extname(url.pathname)] ?? "application/octet-stream", "content-security-policy": csp });
    res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((r) => server.listen(5175, "127.0.0.1", r));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const only = process.argv[4];
const scenarios = [
  { name: "alerts-list", url: "alerts.html?mock=1" },
  { name: "alerts-detail", url: "alerts.html?mock=1", act: async (p) => { await p.click('[data-testid="alert-row"][data-ticket-id="1042"] [data-testid="alert-open"]'); await p.waitForSelector('[data-testid="detail-fields"]'); } },
  { name: "alerts-close", url: "alerts.html?mock=1", act: async (p) => { await p.click('[data-testid="alert-row"][data-ticket-id="1042"] [data-testid="alert-open"]'); await p.click('[data-testid="action-close"]'); await p.selectOption('[data-testid="close-status"]', "10"); await p.fill('[data-testid="close-note"]', "Restarted the mail service"); await p.click('[data-testid="close-continue"]'); } },
  { name: "alerts-problem", url: "alerts.html?mock=1&mode=live&intake=error&fail=take", act: async (p) => { await p.click('[data-testid="recent-toggle"]'); } },
  { name: "alerts-hostile", url: "alerts.html?mock=1&hostile=1", act: async (p) => { await p.click('[data-testid="alert-row"][data-ticket-id="666"] [data-testid="alert-open"]'); await p.waitForSelector('[data-testid="detail-fields"]'); } },
  { name: "settings-top", url: "settings.html?mock=1&mode=live&secret=1", act: async (p) => { await p.fill('[data-testid="field-halo.url"]', "http://halo example"); await p.click('[data-testid="settings-save"]'); await p.click('[data-testid="test-connection"]'); await p.waitForSelector('[data-testid="report-ok"]'); await p.evaluate(() => window.scrollTo(0, 0)); } },
  { name: "settings-escalation", url: "settings.html?mock=1&mode=live&secret=1", act: async (p) => { await p.evaluate(() => document.querySelector('[data-testid="section-escalation"]').scrollIntoView()); } },
  { name: "settings-webhook", url: "settings.html?mock=1&mode=live&secret=1", act: async (p) => { await p.click('[data-testid="regenerate-token"]'); await p.waitForSelector('[data-testid="webhook-url"]'); await p.evaluate(() => document.querySelector('[data-testid="section-webhook"]').scrollIntoView()); } },
  { name: "settings", url: "settings.html?mock=1&mode=live&secret=1", full: true, act: async (p) => { await p.click('[data-testid="test-connection"]'); await p.click('[data-testid="regenerate-token"]'); await p.waitForSelector('[data-testid="webhook-url"]'); await p.fill('[data-testid="field-halo.url"]', "http://halo example"); await p.click('[data-testid="settings-save"]'); } },
];
const errors = [];
for (const s of scenarios) {
  if (only && !s.name.startsWith(only)) continue;
  for (const scheme of ["light", "dark"]) {
    for (const zoom of [1, 2]) {
      const ctx = await browser.newContext({ viewport: { width: Math.round(900 / zoom), height: Math.round(700 / zoom) }, deviceScaleFactor: zoom, colorScheme: scheme });
      const page = await ctx.newPage();
      if (process.env.FREEZE) await page.addInitScript(() => { Object.freeze(Object.prototype); Object.freeze(Array.prototype); });
      page.on("console", (m) => { if (m.type() === "error") errors.push(`${s.name}: ${m.text()}`); });
      page.on("pageerror", (e) => errors.push(`${s.name}: ${e.message}`));
      await page.goto(`http://127.0.0.1:5175/${s.url}`);
      await page.waitForSelector('[data-testid="mock-badge"]:not([hidden])');
      if (s.act) await s.act(page);
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${out}/${s.name}-${scheme}-${zoom * 100}.png`, fullPage: !!s.full });
      await ctx.close();
    }
  }
}
await browser.close();
server.close();
console.log(errors.length ? `ERRORS:\n${errors.join("\n")}` : "no console errors");
