//! Ticket text made safe to show: Halo tickets come from anyone who can
//! email the helpdesk, so their text may carry terminal escape sequences
//! (recolouring or rewriting the terminal of `list`), bidi overrides (making
//! "exe.pdf" read as "fdp.exe") and other control characters. They are
//! stripped before text reaches a terminal or a notification.

use std::borrow::Cow;
use std::sync::Arc;

use alert_engine::{Notification, Notifier, NotifyError};

/// `text` with escape sequences, control characters and bidi controls
/// removed, newlines and tabs turned into spaces: one line for a title or a
/// table cell.
pub fn one_line(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// Like [`one_line`] but keeps newlines (a notification body).
pub fn multi_line(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// Unicode's explicit directional formatting characters (UAX #9): embeddings,
/// overrides, isolates and the marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn needs_cleaning(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn clean(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !text.chars().any(needs_cleaning) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' | '\t' | '\r' => {
                if !out.ends_with(' ') && !out.ends_with('\n') {
                    out.push(' ');
                }
            }
            // ESC starts a sequence (ECMA-48): drop all of it, not just the
            // ESC, or "[31m" would be left behind.
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI: the single-character form of "ESC [".
            '\u{9b}' => skip_csi(&mut chars),
            c if needs_cleaning(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        // OSC, DCS, SOS, PM, APC: strings ended by BEL or ESC \.
        Some(']' | 'P' | 'X' | '^' | '_') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // Intermediate bytes, then one final byte (e.g. "ESC ( B").
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while let Some(&c) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    break;
                }
            }
        }
        // A two-character sequence ("ESC c" resets the terminal).
        _ => {}
    }
}

/// Parameters and intermediates up to the final byte (0x40–0x7E).
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            break;
        }
    }
}

/// Wraps a front end's notifier so every title is one clean line and every
/// body clean text, whatever the ticket said.
pub struct PlainText {
    inner: Arc<dyn Notifier>,
}

impl PlainText {
    pub fn new(inner: Arc<dyn Notifier>) -> Self {
        PlainText { inner }
    }
}

impl Notifier for PlainText {
    fn notify(&self, n: &Notification) -> Result<(), NotifyError> {
        let title = one_line(&n.title);
        let body = multi_line(&n.body);
        if matches!((&title, &body), (Cow::Borrowed(_), Cow::Borrowed(_))) {
            return self.inner.notify(n);
        }
        let mut clean = n.clone();
        clean.title = title.into_owned();
        clean.body = body.into_owned();
        self.inner.notify(&clean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_vanish_whole_not_just_their_escape() {
        assert_eq!(one_line("\u{1b}[1;31mRED\u{1b}[0m alert"), "RED alert");
        assert_eq!(
            one_line("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{7}b"),
            "alinkb"
        );
        assert_eq!(one_line("reset\u{1b}c!"), "reset!");
        assert_eq!(one_line("charset\u{1b}(B!"), "charset!");
    }

    #[test]
    fn bidi_overrides_and_controls_are_dropped_and_newlines_kept_where_asked() {
        assert_eq!(one_line("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(one_line("bell\u{7}\u{0}\u{7f}"), "bell");
        assert_eq!(one_line("two\nlines"), "two lines");
        assert_eq!(multi_line("two\nlines\u{2066}"), "two\nlines");
    }

    #[test]
    fn clean_text_is_not_copied() {
        assert!(matches!(
            one_line("Mail server down — ünïcode ✓"),
            Cow::Borrowed(_)
        ));
    }
}
