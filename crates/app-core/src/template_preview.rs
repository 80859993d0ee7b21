//! The notification templates rendered on a made-up ticket, so the settings
//! window (and anyone editing the config) sees what a popup will say
//! before saving.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Config;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplatePreview {
    pub title: String,
    pub body: String,
}

/// The sample ticket: every field a template may name, with values long
/// and varied enough to show how a real popup wraps.
const SAMPLE: [(&str, &str); 12] = [
    ("id", "1234"),
    ("summary", "Email server not responding"),
    (
        "details",
        "Nobody in the Leeds office can send or receive mail since 9:10.",
    ),
    ("priority", "P1 Critical"),
    ("status", "New"),
    ("team", "Service Desk"),
    ("agent", "Unassigned"),
    ("client_name", "Contoso Ltd"),
    ("site_name", "Leeds"),
    ("user_name", "Alex Smith"),
    ("tickettype", "Incident"),
    ("age", "5 min"),
];

/// `config`'s title and body templates rendered on the sample ticket.
pub fn preview(config: &Config) -> TemplatePreview {
    let sample: BTreeMap<&str, String> = SAMPLE
        .iter()
        .map(|(field, value)| (*field, (*value).to_owned()))
        .collect();
    TemplatePreview {
        title: config.templates.title(&sample),
        body: config.templates.body(&sample),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_fills_the_templates_fields_from_the_sample_ticket() {
        let mut config = Config::default();
        config.templates.title =
            alert_policy::Template::parse("{priority}: {summary}").expect("a valid title");
        config.templates.body =
            alert_policy::Template::parse("{client_name} ({site_name}) · #{id}")
                .expect("a valid body");
        let shown = preview(&config);
        assert_eq!(shown.title, "P1 Critical: Email server not responding");
        assert_eq!(shown.body, "Contoso Ltd (Leeds) · #1234");
    }
}
