//! Reduces ticket HTML (written by end users, so treat it as hostile) to plain
//! text for a notification. A single linear scan with no tree and no recursion:
//! input size or nesting depth cannot make it slow, deep or panic.

/// Elements whose content is never text for a reader.
const HIDDEN: &[&str] = &["script", "style", "title", "template", "noscript", "iframe"];

/// Elements that start a new line in a browser.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "center",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tr",
    "ul",
];

/// Plain text of an HTML fragment: `<script>`/`<style>` (and similar) content
/// dropped, block elements (`<br>`, `<p>`, `<div>`, `<li>`, …) as line breaks,
/// list items bulleted, table cells space-separated, entities decoded (named
/// and numeric; malformed ones left as written), whitespace collapsed, blank
/// lines and control characters removed. Never panics.
pub fn html_to_text(html: &str) -> String {
    // ASCII lowercasing keeps every byte offset, so one index serves both.
    let lower = html.to_ascii_lowercase();
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len().min(1 << 16));
    let mut pos = 0;

    while let Some(offset) = html.get(pos..).and_then(|rest| rest.find('<')) {
        let lt = pos + offset;
        push_text(&mut out, html.get(pos..lt).unwrap_or(""));
        let next = bytes.get(lt + 1).copied();
        pos = match next {
            Some(b'!') if lower.get(lt..).is_some_and(|s| s.starts_with("<!--")) => {
                find_from(&lower, lt + 4, "-->").map_or(bytes.len(), |end| end + 3)
            }
            // Doctype, CDATA, processing instruction: never visible text.
            Some(b'!' | b'?') => find_from(&lower, lt + 1, ">").map_or(bytes.len(), |end| end + 1),
            Some(b'/') if bytes.get(lt + 2).is_some_and(u8::is_ascii_alphabetic) => {
                let name = tag_name(&lower, lt + 2);
                if BLOCKS.contains(&name) {
                    out.push('\n');
                } else if matches!(name, "td" | "th") {
                    out.push(' ');
                }
                tag_end(bytes, lt + 2 + name.len())
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = tag_name(&lower, lt + 1);
                let after_tag = tag_end(bytes, lt + 1 + name.len());
                if HIDDEN.contains(&name) {
                    skip_hidden(&lower, bytes, after_tag, name)
                } else {
                    if name == "li" {
                        out.push_str("\n• ");
                    } else if BLOCKS.contains(&name) {
                        out.push('\n');
                    } else if matches!(name, "td" | "th") {
                        out.push(' ');
                    }
                    after_tag
                }
            }
            // "a < b": a lone '<' is text, as in a browser.
            _ => {
                out.push('<');
                lt + 1
            }
        };
    }
    push_text(&mut out, html.get(pos..).unwrap_or(""));
    tidy(&out)
}

fn find_from(haystack: &str, from: usize, needle: &str) -> Option<usize> {
    haystack
        .get(from..)
        .and_then(|rest| rest.find(needle))
        .map(|i| from + i)
}

/// The lowercase tag name starting at `start` (letters, digits, '-').
fn tag_name(lower: &str, start: usize) -> &str {
    let rest = lower.get(start..).unwrap_or("");
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    rest.get(..len).unwrap_or("")
}

/// Index just past the '>' closing a tag whose attributes start at `from`;
/// quoted attribute values may contain '>'. An unterminated tag swallows the
/// rest, as in a browser.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'>' => return i + 1,
            b'=' => {
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                if let Some(&quote @ (b'"' | b'\'')) = bytes.get(i) {
                    match bytes
                        .get(i + 1..)
                        .and_then(|r| r.iter().position(|&c| c == quote))
                    {
                        Some(close) => i += close + 2,
                        None => return bytes.len(),
                    }
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Index after the end tag closing a hidden element's content; its content
/// is raw text, so only `</name` followed by a delimiter ends it.
fn skip_hidden(lower: &str, bytes: &[u8], from: usize, name: &str) -> usize {
    let closing = format!("</{name}");
    let mut search = from;
    while let Some(at) = find_from(lower, search, &closing) {
        let after = at + closing.len();
        match bytes.get(after) {
            None => return bytes.len(),
            Some(b) if b.is_ascii_whitespace() || *b == b'/' || *b == b'>' => {
                return tag_end(bytes, after);
            }
            Some(_) => search = after,
        }
    }
    bytes.len()
}

/// Appends decoded text; source whitespace (even an encoded newline) is just
/// a space in HTML, so only tags produce line breaks.
fn push_text(out: &mut String, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let decoded = html_escape::decode_html_entities(raw);
    for c in decoded.chars() {
        if c.is_whitespace() {
            out.push(' ');
        } else if !c.is_control() {
            out.push(c);
        }
    }
}

fn tidy(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|line| !line.is_empty() && line != "•")
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn typical_ticket_email_reads_as_plain_text() {
        let html = r#"<html><head><title>Ticket</title><style>p { color: red }</style></head>
            <body><p>Hi&nbsp;team,</p><p>The printer on floor&nbsp;2 says
            &quot;PC LOAD LETTER&quot; &amp; won&#39;t print.</p>
            <ul><li>Tried restarting</li><li>Checked   paper</li></ul>
            <div>Thanks,<br>Jane &lt;jane@example.com&gt;</div></body></html>"#;
        assert_eq!(
            html_to_text(html),
            "Hi team,\nThe printer on floor 2 says \"PC LOAD LETTER\" & won't print.\n• Tried restarting\n• Checked paper\nThanks,\nJane <jane@example.com>"
        );
    }

    #[test]
    fn scripts_and_styles_never_reach_the_notification() {
        let html = "a<script type=\"text/javascript\">alert('</scriptx>');var x = '<p>';</script >b<STYLE>body{}</STYLE>c";
        assert_eq!(html_to_text(html), "abc");
        assert_eq!(html_to_text("before<script>never closed"), "before");
    }

    #[test]
    fn entities_decode_and_malformed_ones_stay() {
        assert_eq!(
            html_to_text("&copy; &#x41;&#66; &hellip; &bogus; &#xZZ; &amp;amp; 5 &lt 6"),
            "© AB … &bogus; &#xZZ; &amp; 5 &lt 6"
        );
    }

    #[test]
    fn tables_keep_cells_apart() {
        let html = "<table><tr><td>Site</td><td>London</td></tr><tr><th>User</th><td>Jane</td></tr></table>";
        assert_eq!(html_to_text(html), "Site London\nUser Jane");
    }

    #[test]
    fn hostile_markup_is_survived() {
        assert_eq!(html_to_text("<a title=\"x > y\" href='>'>link</a>"), "link");
        assert_eq!(html_to_text("a < b and c<3"), "a < b and c<3");
        assert_eq!(
            html_to_text("<!-- hidden --> shown <!-- unterminated"),
            "shown"
        );
        assert_eq!(
            html_to_text("x<![CDATA[y]]>z<!DOCTYPE html><?php echo 1 ?>"),
            "xz"
        );
        assert_eq!(html_to_text("<p"), "");
        assert_eq!(html_to_text("<div title=\"never closed>text"), "");
        assert_eq!(html_to_text("</>"), "</>");
        assert_eq!(html_to_text("\u{0}\u{1b}[2J bell\u{7}"), "[2J bell");
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn deep_nesting_is_linear_and_safe() {
        let deep = "<div>".repeat(200_000) + "x" + &"</div>".repeat(200_000);
        assert_eq!(html_to_text(&deep), "x");
        let lists = "<ul><li>".repeat(50_000) + "y";
        assert_eq!(html_to_text(&lists), "• y");
    }
}
