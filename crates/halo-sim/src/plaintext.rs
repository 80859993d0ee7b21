//! Halo keeps a plain-text twin (`details`, `note`) of the HTML an end user or
//! agent wrote (`details_html`, `note_html`); this derives it, loosely, the way
//! a mail client's "view as text" would. It never fails on odd markup.

/// Strips tags, drops `<script>`/`<style>` bodies, turns block ends into line
/// breaks and decodes the common entities.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A lone '<' is text, as browsers treat it.
            out.push_str(&decode_entities(&rest[lt..]));
            return tidy(&out);
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        rest = &after[gt + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !tag.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            match rest.to_ascii_lowercase().find(&close) {
                Some(pos) => {
                    let after_close = &rest[pos..];
                    rest = after_close
                        .find('>')
                        .map_or("", |end| &after_close[end + 1..]);
                }
                None => rest = "",
            }
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4"
        ) && (name == "br" || tag.starts_with('/'))
        {
            out.push('\n');
        }
    }
    out.push_str(&decode_entities(rest));
    tidy(&out)
}

fn tidy(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim().to_owned()
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| decode_entity(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" | "#39" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn strips_markup_and_scripts() {
        let html = "<p>Hello <b>there</b></p><script>alert('x')</script><p>bye&nbsp;&amp; &#x1F600; &lt;3</p>";
        assert_eq!(html_to_text(html), "Hello there\nbye\u{a0}& 😀 <3");
    }

    #[test]
    fn survives_broken_markup() {
        assert_eq!(html_to_text("a < b"), "a < b");
        assert_eq!(html_to_text("<script>never closed"), "");
        assert_eq!(html_to_text("&bogus; &#xZZ; &"), "&bogus; &#xZZ; &");
        assert_eq!(html_to_text("<img src=x onerror=\"alert(1)\">ok"), "ok");
    }
}
