//! Ticket details as HTML a window may show: end users write ticket HTML
//! (by email or the portal), so scripts, event handlers, frames, forms,
//! styles and `javascript:`/`data:` links are removed before it leaves
//! Rust. The window sanitises it again; this is the first of two walls.

use std::collections::HashSet;

/// `html` reduced to formatting, lists, tables, images from http(s) and
/// links to http(s)/mailto, with `rel="noopener noreferrer"` on links.
/// Anything else is dropped (its text kept where it is text).
pub fn sanitize_ticket_html(html: &str) -> String {
    let schemes: HashSet<&str> = ["http", "https", "mailto"].into_iter().collect();
    ammonia::Builder::default()
        .url_schemes(schemes)
        // Styles can overlay the window's own buttons; classes and ids can
        // pose as the window's elements.
        .rm_generic_attributes(["style", "class", "id", "title"])
        .link_rel(Some("noopener noreferrer"))
        .clean(&crate::text::multi_line(html))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::sanitize_ticket_html as clean;

    #[test]
    fn scripts_and_event_handlers_never_reach_the_window() {
        let out = clean(
            r#"<p onclick="steal()">Hi</p><script>alert(1)</script><img src=x onerror="alert(2)">
               <svg onload="alert(3)"></svg><iframe src="https://evil.example"></iframe>
               <form action="https://evil.example"><input name=p></form>"#,
        );
        for banned in [
            "script", "onclick", "onerror", "onload", "iframe", "<form", "<input", "alert(",
        ] {
            assert!(!out.contains(banned), "{banned} survived: {out}");
        }
        assert!(out.contains("<p>Hi</p>"), "{out}");
    }

    #[test]
    fn only_web_and_mail_links_survive() {
        let out = clean(
            r#"<a href="javascript:alert(1)">a</a><a href="data:text/html,x">b</a>
               <a href="vbscript:x">c</a><a href="https://halo.example/ticket?id=1">d</a>
               <a href="mailto:help@example.com">e</a>"#,
        );
        assert!(
            !out.contains("javascript:") && !out.contains("data:") && !out.contains("vbscript:"),
            "{out}"
        );
        assert!(
            out.contains(r#"href="https://halo.example/ticket?id=1""#),
            "{out}"
        );
        assert!(out.contains(r#"href="mailto:help@example.com""#), "{out}");
        assert!(out.contains("noopener"), "{out}");
    }

    #[test]
    fn styles_and_ids_cannot_dress_up_as_the_window() {
        let out = clean(
            r#"<div style="position:fixed;inset:0" id="ack" class="btn">Click</div><style>body{}</style>"#,
        );
        assert!(
            !out.contains("style") && !out.contains("id=") && !out.contains("class="),
            "{out}"
        );
        assert!(out.contains("Click"), "{out}");
    }

    #[test]
    fn bidi_overrides_and_escapes_are_stripped_from_the_text() {
        let out = clean("invoice\u{202E}fdp.exe \u{1b}[31mred");
        assert!(
            !out.contains('\u{202E}') && !out.contains('\u{1b}'),
            "{out:?}"
        );
    }
}
