// Development only (not part of npm test or CI): a smoke run of both windows
// in WebKitGTK (MiniBrowser through WebKitWebDriver, the engine the app uses),
// with the mock backend under the app's CSP: the hostile ticket runs nothing,
// closing works, Test connection works.
//   node build.mjs && xvfb-run -a node tools/webkit-smoke.mjs dist /tmp/shots
import http from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import path from "node:path";
const dist = process.argv[2], out = process.argv[3];
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'";
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  try { const body = await readFile(path.join(dist, url.pathname)); res.writeHead(200, { "content-type": types[path.extname(url.pathname)] ?? "x", "content-security-policy": csp }); res.end(body); } catch { res.writeHead(404); res.end(); }
});
await new Promise((r) => server.listen(5177, "127.0.0.1", r));
const driver = spawn("WebKitWebDriver", ["--port=4445"], { stdio: "ignore" });
const W = "http://127.0.0.1:4445";
async function req(method, p, body) {
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(W + p, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
      const j = await r.json();
      if (j.value && j.value.error) throw new Error(`${p}: ${j.value.error}: ${j.value.message}`);
      return j.value;
    } catch (e) { if (String(e).includes("ECONNREFUSED") || String(e).includes("fetch failed")) { await new Promise((r) => setTimeout(r, 100)); continue; } throw e; }
  }
  throw new Error("driver not up");
}
try {
  const s = await req("POST", "/session", { capabilities: { alwaysMatch: { browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser", args: ["--automation"] } } } });
  const sid = s.sessionId;
  const S = (p) => `/session/${sid}${p}`;
  await req("POST", S("/window/rect"), { width: 900, height: 700 });
  const find = async (css) => { const v = await req("POST", S("/element"), { using: "css selector", value: css }); const id = v && (v["element-6066-11e4-a52e-4a5d4a5b6b3b"] ?? Object.values(v)[0]); if (!id) throw new Error("no element " + css + " " + JSON.stringify(v)); return id; };
  const waitFor = async (css) => { for (let i = 0; i < 50; i++) { try { return await find(css); } catch { await new Promise((r) => setTimeout(r, 100)); } } throw new Error("no " + css); };
  const js = (script) => req("POST", S("/execute/sync"), { script, args: [] });
  const shot = async (name) => writeFile(`${out}/${name}.png`, Buffer.from(await req("GET", S("/screenshot")), "base64"));
  await req("POST", S("/url"), { url: "http://127.0.0.1:5177/alerts.html?mock=1&hostile=1" });
  await waitFor('[data-testid="alert-row"][data-ticket-id="666"]');
  console.log("rows:", await js('return [...document.querySelectorAll("[data-testid=open-list] [data-testid=alert-row]")].map(r => r.dataset.ticketId).join(",")'));
  await shot("webkit-alerts");
  await req("POST", S(`/element/${await find('[data-testid="alert-row"][data-ticket-id="666"] [data-testid="alert-open"]')}/click`), {});
  await waitFor('[data-testid="detail-fields"]');
  await req("POST", S(`/element/${await find(".ticket-link")}/click`), {});
  console.log("hostile:", JSON.stringify(await js('return { pwned: window.__pwned === undefined ? "none" : window.__pwned, url: location.href, bad: document.querySelectorAll(".ticket-details [style], .ticket-details img, .ticket-details script, .ticket-details svg").length }')));
  await shot("webkit-hostile");
  await req("POST", S("/url"), { url: "http://127.0.0.1:5177/alerts.html?mock=1" });
  await waitFor('[data-testid="alert-row"][data-ticket-id="1042"]');
  await req("POST", S(`/element/${await find('[data-testid="alert-row"][data-ticket-id="1042"] [data-testid="alert-open"]')}/click`), {});
  await req("POST", S(`/element/${await waitFor('[data-testid="action-close"]')}/click`), {});
  await waitFor('[data-testid="close-status"]');
  await js('const s=document.querySelector("[data-testid=close-status]"); s.value="10"; return 1');
  await req("POST", S(`/element/${await find('[data-testid="close-continue"]')}/click`), {});
  await req("POST", S(`/element/${await find('[data-testid="close-confirm"]')}/click`), {});
  for (let i = 0; i < 30; i++) { const st = await js('return document.querySelector("[data-testid=detail-state]")?.textContent'); if (st && st.startsWith("Resolved")) { console.log("closed:", st); break; } await new Promise((r) => setTimeout(r, 100)); }
  await shot("webkit-closed");
  await req("POST", S("/url"), { url: "http://127.0.0.1:5177/settings.html?mock=1&mode=live&secret=1" });
  await waitFor('[data-testid="field-halo.url"]');
  await req("POST", S(`/element/${await find('[data-testid="test-connection"]')}/click`), {});
  await waitFor('[data-testid="report-ok"]');
  await shot("webkit-settings");
  console.log("settings ok");
  await req("DELETE", S(""));
} finally { driver.kill(); server.close(); }
