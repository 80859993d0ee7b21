// Builds the two windows into dist/: esbuild bundles the TypeScript (ES
// modules, shared code in chunks/) and the CSS; the HTML is copied as is.
// Then every page is checked against the app's CSP: no inline scripts or
// styles, no inline event handlers, nothing remote.
//
//   node build.mjs            build once
//   node build.mjs --serve    build, then serve dist/ on http://127.0.0.1:5174
//                             (open alerts.html?mock=1 or settings.html?mock=1)

import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { cspProblems } from "./csp-check.mjs";

const root = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(root, "src");
const dist = path.join(root, "dist");
const pages = ["alerts", "settings"];

const options = {
  absWorkingDir: root,
  entryPoints: [
    ...pages.map((p) => ({ in: `src/pages/${p}.ts`, out: p })),
    ...pages.map((p) => ({ in: `src/styles/${p}.css`, out: p })),
  ],
  outdir: dist,
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2021", "safari15"],
  chunkNames: "chunks/[name]-[hash]",
  minify: true,
  sourcemap: false,
  legalComments: "linked",
  logLevel: "info",
};

async function build() {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  await esbuild.build(options);
  const problems = [];
  for (const file of await readdir(path.join(src, "pages"))) {
    if (!file.endsWith(".html")) continue;
    const html = await readFile(path.join(src, "pages", file), "utf8");
    problems.push(...cspProblems(file, html));
    await copyFile(path.join(src, "pages", file), path.join(dist, file));
  }
  if (problems.length > 0) {
    console.error(`CSP violations:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
}

await build();

if (process.argv.includes("--serve")) {
  const ctx = await esbuild.context(options);
  const { hosts, port } = await ctx.serve({ servedir: dist, host: "127.0.0.1", port: 5174 });
  console.log(`serving dist/ on http://${hosts[0]}:${port}/alerts.html?mock=1`);
}
