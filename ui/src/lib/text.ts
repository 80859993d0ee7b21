// Ticket text made safe to show as text: bidi override/embedding controls
// removed (they can make "exe.txt" read as "txt.exe" or flip a whole row),
// other control characters dropped, and length capped.

// LRE RLE PDF LRO RLO (U+202A–202E) and LRI RLI FSI PDI (U+2066–2069).
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
// C0 controls except tab and newline, DEL and C1 controls.
const OTHER_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

export function stripControls(text: string): string {
  return text.replace(BIDI_CONTROLS, "").replace(OTHER_CONTROLS, "");
}

/** Text from a ticket, ready for `textContent`. */
export function plain(text: string | null | undefined, max = 2000): string {
  if (text === null || text === undefined) return "";
  const clean = stripControls(String(text));
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
