import { describe, expect, it } from "vitest";
import { toCommandError } from "../src/api/api";
import { parseSnoozeMinutes } from "../src/alerts/detail";
import { assigneeText } from "../src/alerts/row";
import { escalationText } from "../src/lib/escalation";
import { compareAlerts, isCritical, orderAlerts, orderRecent } from "../src/lib/order";
import { priorityLabel, priorityTone } from "../src/lib/priority";
import { plain } from "../src/lib/text";
import { ageText, untilText } from "../src/lib/time";
import { NOW, makeAlert, minutesAgo } from "./helpers";

describe("ordering of open alerts", () => {
  it("puts critical (P1) alerts first, then the newest", () => {
    const oldP1 = makeAlert(1, { priority_id: 1, created_at: minutesAgo(120) });
    const newP3 = makeAlert(2, { priority_id: 3, created_at: minutesAgo(1) });
    const midP2 = makeAlert(3, { priority_id: 2, created_at: minutesAgo(30) });
    const newP1 = makeAlert(4, { priority_id: 1, created_at: minutesAgo(5) });
    expect(orderAlerts([oldP1, newP3, midP2, newP1]).map((a) => a.ticket_id)).toEqual([4, 1, 2, 3]);
  });

  it("counts an escalation at critical urgency as critical whatever the priority", () => {
    const escalated = makeAlert(1, { priority_id: 3, created_at: minutesAgo(60), escalation: { step: 2, steps: 2, urgency: "critical" } });
    const fresh = makeAlert(2, { priority_id: 2, created_at: minutesAgo(1) });
    expect(isCritical(escalated)).toBe(true);
    expect(orderAlerts([fresh, escalated])[0]?.ticket_id).toBe(1);
  });

  it("uses the ticket's priority when the alert has none, and breaks ties by ticket id", () => {
    const a = makeAlert(10, { priority_id: null, ticket: { ticket_id: 10, priority_id: 1 } });
    expect(isCritical(a)).toBe(true);
    const same1 = makeAlert(20);
    const same2 = makeAlert(21);
    expect(compareAlerts(same1, same2)).toBeGreaterThan(0);
    expect(orderAlerts([same1, same2]).map((x) => x.ticket_id)).toEqual([21, 20]);
  });

  it("leaves its input alone and orders recent ones by when they ended", () => {
    const input = [makeAlert(1, { created_at: minutesAgo(50) }), makeAlert(2, { created_at: minutesAgo(5) })];
    orderAlerts(input);
    expect(input.map((a) => a.ticket_id)).toEqual([1, 2]);
    const resolvedLate = makeAlert(5, { state: "resolved", resolved_at: minutesAgo(1), updated_at: minutesAgo(1) });
    const ackedEarly = makeAlert(6, { state: "acknowledged", updated_at: minutesAgo(90) });
    expect(orderRecent([ackedEarly, resolvedLate]).map((a) => a.ticket_id)).toEqual([5, 6]);
  });
});

describe("age text", () => {
  it.each([
    [0, "just now"],
    [0.5, "just now"],
    [1, "1 min"],
    [59, "59 min"],
    [60, "1 h"],
    [125, "2 h 5 min"],
    [24 * 60, "1 d"],
    [26 * 60 + 59, "1 d 2 h"],
  ])("%s minutes old reads %s", (minutes, text) => {
    expect(ageText(minutesAgo(minutes), NOW)).toBe(text);
  });

  it("treats a clock slightly ahead as just now and bad input as unknown", () => {
    expect(ageText(minutesAgo(-2), NOW)).toBe("just now");
    expect(ageText("not a date", NOW)).toBe("unknown age");
    expect(ageText(null, NOW)).toBe("unknown age");
  });

  it("says how long until a time", () => {
    expect(untilText(minutesAgo(-15), NOW)).toBe("in 15 min");
    expect(untilText(minutesAgo(-0.5), NOW)).toBe("in under a minute");
    expect(untilText(minutesAgo(3), NOW)).toBe("now");
  });
});

describe("escalation text", () => {
  it("names the current step of the ladder", () => {
    expect(escalationText(makeAlert(1, { escalation: { step: 2, steps: 3, urgency: "normal" } }))).toBe("step 2 of 3");
    expect(escalationText(makeAlert(1, { escalation: { step: 3, steps: 3, urgency: "critical" } }))).toBe("step 3 of 3 (critical)");
  });

  it("clamps out-of-range steps and says why a quiet alert is quiet", () => {
    expect(escalationText(makeAlert(1, { escalation: { step: 5, steps: 3, urgency: "low" } }))).toBe("step 3 of 3");
    expect(escalationText(makeAlert(1, { escalation: null }))).toBe("notified");
    expect(escalationText(makeAlert(1, { state: "acknowledged", acknowledged_by: "Sam" }))).toBe("acknowledged by Sam");
    expect(escalationText(makeAlert(1, { state: "snoozed", snoozed_until: minutesAgo(-30) }))).toMatch(/^snoozed until /);
    expect(escalationText(makeAlert(1, { state: "resolved", resolve_reason: "ticket closed" }))).toBe("resolved: ticket closed");
  });
});

describe("priority, assignee and plain text", () => {
  it("labels priority with words, not only a colour", () => {
    const p1 = makeAlert(1, { priority_id: 1, ticket: { ticket_id: 1, priority_name: "P1 - Critical" } });
    expect([priorityTone(p1), priorityLabel(p1)]).toEqual(["p1", "P1 - Critical"]);
    const bare = makeAlert(2, { priority_id: 2 });
    expect([priorityTone(bare), priorityLabel(bare)]).toEqual(["p2", "P2"]);
    const none = makeAlert(3, { priority_id: null });
    expect([priorityTone(none), priorityLabel(none)]).toEqual(["none", "No priority"]);
  });

  it("says who has the ticket, or that nobody does", () => {
    expect(assigneeText(makeAlert(1, { ticket: { ticket_id: 1, agent_name: "Sam Rivera" } }))).toBe("Sam Rivera");
    expect(assigneeText(makeAlert(1, { ticket: { ticket_id: 1, team_name: "Infra" } }))).toBe("Unassigned (Infra)");
  });

  it("strips bidi overrides and control characters and caps length", () => {
    expect(plain("Invoice \u202Efdp.exe\u202C ok\u0007")).toBe("Invoice fdp.exe ok");
    const long = plain("x".repeat(10_000), 100);
    expect(long.length).toBe(100);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("snooze minutes and errors", () => {
  it("accepts whole minutes from 1 to 7 days", () => {
    expect(parseSnoozeMinutes(" 90 ")).toBe(90);
    expect(parseSnoozeMinutes("0")).toMatch(/at least 1 minute/);
    expect(parseSnoozeMinutes("1.5")).toMatch(/whole minutes/);
    expect(parseSnoozeMinutes("20000")).toMatch(/at most 7 days/);
  });

  it("normalises whatever a command rejects with", () => {
    expect(toCommandError({ kind: "halo", message: "Halo is down: retry" })).toEqual({ kind: "halo", message: "Halo is down: retry" });
    expect(toCommandError({ kind: "validation", message: "fix", fields: { "halo.url": "bad", n: 3 } })).toEqual({
      kind: "validation",
      message: "fix",
      fields: { "halo.url": "bad" },
    });
    expect(toCommandError("ipc broke")).toEqual({ kind: "internal", message: "ipc broke" });
    expect(toCommandError({ kind: "weird" }).kind).toBe("internal");
    expect(toCommandError(undefined).message).toMatch(/log folder/);
  });
});
