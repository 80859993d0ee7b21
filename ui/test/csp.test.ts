// The pages must work under the app's CSP: no inline code or styles, nothing remote.
import { describe, expect, it } from "vitest";
import { cspProblems } from "../csp-check.mjs";
import alertsHtml from "../src/pages/alerts.html?raw";
import settingsHtml from "../src/pages/settings.html?raw";

describe("pages under the CSP", () => {
  it("have nothing the CSP would block", () => {
    expect(cspProblems("alerts.html", alertsHtml)).toEqual([]);
    expect(cspProblems("settings.html", settingsHtml)).toEqual([]);
  });

  it("the check catches what the CSP blocks", () => {
    const bad =
      '<script>alert(1)</script><style>p{}</style><p style="x" onclick="y"></p>' +
      '<script src="https://cdn.example.com/x.js"></script><a href="javascript:1">x</a>';
    expect(cspProblems("bad.html", bad)).toEqual([
      "bad.html: inline <script>",
      "bad.html: inline <style>",
      "bad.html: style attribute",
      "bad.html: inline event handler",
      "bad.html: remote resource",
      "bad.html: javascript: URL",
    ]);
  });
});
