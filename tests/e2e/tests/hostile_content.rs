//! Hostile ticket content in the real alerts window (issue 9): a corpus of
//! summaries and details as end users can write them — script tags, event
//! handlers, `javascript:` and `data:` links, CSS tricks, huge strings,
//! right-to-left overrides — shown through WebDriver. Nothing may execute
//! and nothing may escape its box: the page gets no horizontal scroll, rows
//! keep a row's height, and no ticket content covers the window's buttons.

use halo_notifier_e2e::alerts_window::{alert_row, open_detail, quiet_sim, unique};
use halo_notifier_e2e::scenario::{Scenario, Start};
use halo_notifier_e2e::ui::testid;
use halo_sim::NewTicket;
use serde_json::{Value, json};

/// (summary, details HTML). Every payload that could run sets
/// `window.__pwned`, so one check covers them all.
fn corpus() -> Vec<(String, String)> {
    let huge_word = "W".repeat(20_000);
    let wide_table = format!(
        "<table><tr>{}</tr></table>",
        "<td>column-without-spaces-to-break</td>".repeat(300)
    );
    vec![
        (
            "<script>window.__pwned='summary-script'</script>Printer jam".into(),
            "<p>Paper stuck</p><script>window.__pwned='details-script'</script>".into(),
        ),
        (
            "\"><img src=x onerror=\"window.__pwned='summary-img'\">VPN down".into(),
            concat!(
                "<img src=x onerror=\"window.__pwned='img'\">",
                "<svg><animate onbegin=\"window.__pwned='svg-animate'\" attributeName=x dur=1s>",
                "</animate></svg>",
                "<details open ontoggle=\"window.__pwned='toggle'\"><summary>more</summary></details>",
                "<input autofocus onfocus=\"window.__pwned='focus'\">",
            )
            .into(),
        ),
        (
            "Invoice links".into(),
            concat!(
                "<a href=\"javascript:window.__pwned='js-link'\">pay</a> ",
                "<a href=\"JaVaScRiPt:window.__pwned='mixed-case'\">pay</a> ",
                "<a href=\" &#106;avascript:window.__pwned='entity'\">pay</a> ",
                "<a href=\"data:text/html,&lt;script&gt;parent.__pwned='data'&lt;/script&gt;\">pay</a> ",
                "<a href=\"vbscript:msgbox(1)\">pay</a>",
            )
            .into(),
        ),
        (
            "Frames and objects".into(),
            concat!(
                "<iframe srcdoc=\"<script>parent.__pwned='srcdoc'</script>\"></iframe>",
                "<object data=\"javascript:window.__pwned='object'\"></object>",
                "<embed src=\"javascript:window.__pwned='embed'\">",
                "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__pwned='meta'\">",
                "<base href=\"javascript:window.__pwned='base'//\">",
                "<form action=\"javascript:window.__pwned='form'\"><button>Send</button></form>",
            )
            .into(),
        ),
        (
            "Mutation XSS".into(),
            concat!(
                "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='mxss'\">",
                "</style></mglyph></table></mtext></math>",
                "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned='noscript'>\">",
            )
            .into(),
        ),
        (
            "Overlay over the buttons".into(),
            concat!(
                "<div style=\"position:fixed;inset:0;z-index:2147483647;background:red\">PAY NOW</div>",
                "<style>body{display:none} button{visibility:hidden}</style>",
                "<p class=\"detail-actions\" id=\"action-acknowledge\" data-testid=\"action-acknowledge\">",
                "fake button</p>",
                "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
            )
            .into(),
        ),
        (
            format!("Huge {huge_word}"),
            format!("<p>{huge_word}</p>{wide_table}<pre>{huge_word}</pre>"),
        ),
        (
            "Invoice \u{202E}fdp.exe\u{202C} \u{2066}isolated\u{2069}".into(),
            "<p>Open \u{202E}txt.exe</p>".into(),
        ),
        (
            "{{constructor.constructor('window.__pwned=1')()}} ${window.__pwned=2}".into(),
            "<p>{{constructor.constructor('window.__pwned=3')()}}</p>".into(),
        ),
    ]
}

/// Runs a check script over the open list and the detail pane; it returns
/// a list of what escaped (empty when all is well).
async fn problems(s: &Scenario, what: &str) -> Vec<String> {
    let script = format!(
        r#"
        const found = [];
        if (window.__pwned !== undefined) found.push('script ran: ' + window.__pwned);
        // Where ticket content lands: the rows, and the detail's heading,
        // fields and body (the detail's own snooze and close forms are the
        // app's, so the pane as a whole is not a scope).
        const scopes = ['{list}', '{title}', '{fields}', '{body}']
          .map(q => document.querySelector(q)).filter(Boolean);
        const banned = 'script, iframe, object, embed, form, input, meta, base, link, style, ' +
          '[onerror], [onload], [onbegin], [ontoggle], [onfocus], [style], ' +
          'a[href^="javascript" i], a[href^="data" i], a[href^="vbscript" i], a[href*="script:" i]';
        for (const scope of scopes) {{
          for (const el of scope.querySelectorAll(banned)) found.push('kept ' + el.outerHTML.slice(0, 80));
          for (const el of scope.querySelectorAll('[data-testid="action-acknowledge"], #action-acknowledge'))
            if (!el.matches('button')) found.push('content posing as a button: ' + el.outerHTML.slice(0, 80));
        }}
        if (getComputedStyle(document.body).display === 'none') found.push('page hidden');
        const html = document.documentElement;
        if (html.scrollWidth > window.innerWidth + 1)
          found.push('page scrolls sideways: ' + html.scrollWidth + ' > ' + window.innerWidth);
        for (const row of document.querySelectorAll('{row}')) {{
          const r = row.getBoundingClientRect();
          if (r.height > 200) found.push('row ' + row.dataset.ticketId + ' is ' + r.height + ' px high');
          if (r.right > window.innerWidth + 1) found.push('row ' + row.dataset.ticketId + ' overflows');
          if (/[\u202A-\u202E\u2066-\u2069]/.test(row.innerText)) found.push('bidi control shown in row ' + row.dataset.ticketId);
        }}
        const body = document.querySelector('{body}');
        const detail = document.querySelector('{detail}');
        if (body && detail && !detail.hidden) {{
          const box = body.getBoundingClientRect();
          const clips = ['auto', 'hidden', 'scroll', 'clip'].includes(getComputedStyle(body).overflowX);
          for (const el of body.querySelectorAll('*')) {{
            const r = el.getBoundingClientRect();
            if (!clips && r.right > box.right + 1) {{ found.push('content wider than its box: ' + el.tagName); break; }}
          }}
          if (/[\u202A-\u202E\u2066-\u2069]/.test(body.innerText)) found.push('bidi control shown in the details');
          const ack = document.querySelector('{ack}');
          if (ack && ack.offsetParent !== null) {{
            const a = ack.getBoundingClientRect();
            const hit = document.elementFromPoint(a.left + a.width / 2, a.top + a.height / 2);
            if (!ack.contains(hit)) found.push('Acknowledge is covered by ' + (hit ? hit.outerHTML.slice(0, 80) : 'nothing'));
          }}
        }}
        return found;
        "#,
        list = testid("open-list").replace('\'', "\\'"),
        title = testid("detail-title").replace('\'', "\\'"),
        fields = testid("detail-fields").replace('\'', "\\'"),
        detail = testid("alert-detail").replace('\'', "\\'"),
        row = testid("alert-row").replace('\'', "\\'"),
        body = testid("detail-body").replace('\'', "\\'"),
        ack = testid("action-acknowledge").replace('\'', "\\'"),
    );
    match s.window.script(&script).await {
        Ok(Value::Array(found)) => found
            .into_iter()
            .map(|f| format!("{what}: {}", f.as_str().unwrap_or_default()))
            .collect(),
        other => vec![format!("{what}: the check did not run ({other:?})")],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a desktop session"]
async fn hostile_tickets_run_nothing_and_stay_in_their_boxes() {
    let s = Scenario::start(Start::Connected, "alerts", quiet_sim())
        .await
        .expect("app");
    let tag = unique("hostile");
    let tickets: Vec<(i32, String)> = corpus()
        .into_iter()
        .map(|(summary, details)| {
            let summary = format!("{tag} {summary}");
            let id = s.sim.create_ticket(NewTicket {
                details_html: details,
                ..NewTicket::new(summary.clone())
            });
            (id, summary)
        })
        .collect();

    let mut found = Vec::new();
    for (id, _) in &tickets {
        // The tag is plain text at the start of every summary, so the row
        // shows it whatever the rest became (a huge summary is cut short).
        alert_row(&s, *id, &tag).await.expect("the row");
    }
    found.extend(problems(&s, "the list").await);
    s.screenshot("hostile-list").expect("screenshot");

    for (id, summary) in &tickets {
        open_detail(&s, *id).await.expect("the detail");
        // Whatever it showed, a user clicks every link in it.
        let links = s
            .window
            .find_all_css(&format!("{} a", testid("detail-body")))
            .await
            .expect("links");
        for link in links {
            let _ = link.click().await;
        }
        let label = format!(
            "ticket {id} ({})",
            summary
                .chars()
                .skip(tag.len() + 1)
                .take(40)
                .collect::<String>()
        );
        found.extend(problems(&s, &label).await);
        if summary.contains("Overlay over") {
            s.screenshot("hostile-overlay").expect("screenshot");
        }
        let _ = s.window.click("detail-close").await;
    }
    // The window is still this app's page: nothing navigated it away.
    let url = s.window.client.current_url().await.expect("url");
    assert!(
        url.path().ends_with("alerts.html"),
        "the window was navigated to {url}"
    );
    assert_eq!(found, Vec::<String>::new(), "hostile content escaped");
    let open = s.invoke("app_status", json!({})).await.expect("status");
    assert!(open["open"].as_u64().unwrap_or(0) >= tickets.len() as u64);
    s.end().await;
}
