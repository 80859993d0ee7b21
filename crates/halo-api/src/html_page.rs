//! Error pages in HTML, from a proxy or gateway in front of Halo rather than
//! Halo itself, reduced to what they say.

/// What an HTML error page (a proxy's or gateway's, not Halo's) says, so the
/// user reads "502 - Web server received an invalid response..." and not
/// markup: its title, else its text without tags.
pub(crate) fn text_of(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    if !(lower.starts_with("<!doctype html") || lower.starts_with("<html")) {
        return None;
    }
    let title = lower.find("<title>").and_then(|start| {
        let start = start + "<title>".len();
        let end = start + lower[start..].find("</title>")?;
        // ASCII lower-casing keeps byte offsets, so they index `body` too.
        body.get(start..end)
    });
    let text = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(title) => title.to_owned(),
        None => {
            let mut text = String::new();
            let mut in_tag = false;
            for c in body.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        text.push(' ');
                    }
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        }
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}
