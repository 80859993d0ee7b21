//! Notification text from user-editable templates over ticket fields, with
//! the tidying (whitespace, control characters, length caps) that keeps
//! hostile or sprawling ticket text from wrecking a desktop notification.

mod html;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

pub use html::html_to_text;

/// Ticket fields a notification template may use.
pub const TICKET_FIELDS: &[&str] = &[
    "id",
    "summary",
    "details",
    "priority",
    "status",
    "team",
    "agent",
    "client_name",
    "site_name",
    "user_name",
    "tickettype",
    "age",
];

/// Fields of a grouped summary notification (see [`crate::grouping::Summary`]).
pub const SUMMARY_FIELDS: &[&str] = &["count", "group", "tickets"];

/// Longest notification title, in characters, including the "…".
pub const TITLE_MAX_CHARS: usize = 120;
/// Longest notification body, in characters, including the "…".
pub const BODY_MAX_CHARS: usize = 400;

const ELLIPSIS: char = '…';

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    #[error("unknown placeholder {{{name}}} in template \"{template}\": use one of {known}")]
    UnknownPlaceholder {
        name: String,
        template: String,
        known: String,
    },
    #[error(
        "template \"{template}\" has a \"{{\" that is never closed: finish the placeholder with \"}}\", or write \"{{{{\" for a literal brace"
    )]
    Unclosed { template: String },
    #[error("template \"{template}\" has a lone \"}}\": write \"}}}}\" for a literal brace")]
    StrayClose { template: String },
    #[error(
        "template \"{template}\" has an empty placeholder {{}}: put a field name inside, e.g. {{summary}}"
    )]
    EmptyPlaceholder { template: String },
}

/// Where a template's placeholders get their values. Missing fields render
/// as empty text.
pub trait FieldSource {
    fn field(&self, name: &str) -> Option<Cow<'_, str>>;
}

impl FieldSource for BTreeMap<&str, String> {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl FieldSource for BTreeMap<String, String> {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl FieldSource for HashMap<&str, String> {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl FieldSource for HashMap<String, String> {
    fn field(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(&'static str),
}

/// A parsed template: literal text and `{field}` placeholders; `{{` and `}}`
/// stand for literal braces. Keeps its source so it serialises unchanged.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Template {}

impl Template {
    /// Parses a ticket template; placeholders must be [`TICKET_FIELDS`].
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        Self::parse_with(source, TICKET_FIELDS)
    }

    /// Parses a template whose placeholders must be among `known`.
    pub fn parse_with(source: &str, known: &'static [&'static str]) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().is_some_and(|&(_, n)| n == '{') => {
                    chars.next();
                    text.push('{');
                }
                '{' => {
                    let rest = &source[i + 1..];
                    let Some(close) = rest.find('}') else {
                        return Err(TemplateError::Unclosed {
                            template: source.to_owned(),
                        });
                    };
                    let name = rest[..close].trim();
                    if name.is_empty() {
                        return Err(TemplateError::EmptyPlaceholder {
                            template: source.to_owned(),
                        });
                    }
                    let field = known.iter().find(|k| **k == name).ok_or_else(|| {
                        TemplateError::UnknownPlaceholder {
                            name: name.to_owned(),
                            template: source.to_owned(),
                            known: known
                                .iter()
                                .map(|k| format!("{{{k}}}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        }
                    })?;
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Field(field));
                    // Skip the placeholder body and its closing brace.
                    while chars.next_if(|&(j, _)| j <= i + 1 + close).is_some() {}
                }
                '}' if chars.peek().is_some_and(|&(_, n)| n == '}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(TemplateError::StrayClose {
                        template: source.to_owned(),
                    });
                }
                other => text.push(other),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            source: source.to_owned(),
            parts,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Placeholder names the template uses, in order of appearance.
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Field(f) => Some(*f),
            Part::Text(_) => None,
        })
    }

    fn fill(&self, source: &dyn FieldSource) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(f) => {
                    if let Some(value) = source.field(f) {
                        out.push_str(&value);
                    }
                }
            }
        }
        out
    }

    /// Multi-line text: line breaks kept, other whitespace runs collapsed to
    /// one space, lines trimmed, empty lines and control characters dropped.
    pub fn render(&self, source: &dyn FieldSource) -> String {
        tidy_lines(&self.fill(source))
    }

    /// One line: every whitespace run (line breaks too) becomes one space.
    pub fn render_line(&self, source: &dyn FieldSource) -> String {
        collapse(&self.fill(source))
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let source = String::deserialize(deserializer)?;
        Template::parse(&source).map_err(serde::de::Error::custom)
    }
}

fn summary_template<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Template, D::Error> {
    let source = String::deserialize(deserializer)?;
    Template::parse_with(&source, SUMMARY_FIELDS).map_err(serde::de::Error::custom)
}

/// Collapses whitespace runs to single spaces, drops control characters, trims.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        let clean: String = word.chars().filter(|c| !c.is_control()).collect();
        if clean.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&clean);
    }
    out
}

fn tidy_lines(text: &str) -> String {
    text.split('\n')
        .map(collapse)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Cuts `text` to at most `max_chars` characters, ending in "…" when cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let keep = max_chars.saturating_sub(1);
    let mut out: String = text.chars().take(keep).collect();
    out.truncate(out.trim_end().len());
    if max_chars > 0 {
        out.push(ELLIPSIS);
    }
    out
}

/// The three notification texts, editable in config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Templates {
    /// One line, at most [`TITLE_MAX_CHARS`].
    pub title: Template,
    /// At most [`BODY_MAX_CHARS`].
    pub body: Template,
    /// Title of a grouped summary; fields [`SUMMARY_FIELDS`].
    #[serde(deserialize_with = "summary_template")]
    pub summary_title: Template,
}

impl Default for Templates {
    fn default() -> Self {
        // The defaults are constants checked by tests; an empty template is a
        // harmless stand-in should one ever fail to parse.
        let parse = |s: &str, known: &'static [&'static str]| {
            Template::parse_with(s, known).unwrap_or_else(|_| Template {
                source: String::new(),
                parts: Vec::new(),
            })
        };
        Templates {
            title: parse(DEFAULT_TITLE, TICKET_FIELDS),
            body: parse(DEFAULT_BODY, TICKET_FIELDS),
            summary_title: parse(DEFAULT_SUMMARY_TITLE, SUMMARY_FIELDS),
        }
    }
}

pub const DEFAULT_TITLE: &str = "{priority} · {client_name}: {summary}";
pub const DEFAULT_BODY: &str = "#{id} · {team} · {status}\n{details}";
pub const DEFAULT_SUMMARY_TITLE: &str = "{count} new {tickets} in {group}";

impl Templates {
    pub fn title(&self, ticket: &dyn FieldSource) -> String {
        truncate(&self.title.render_line(ticket), TITLE_MAX_CHARS)
    }

    pub fn body(&self, ticket: &dyn FieldSource) -> String {
        truncate(&self.body.render(ticket), BODY_MAX_CHARS)
    }

    /// Title for a grouped summary, e.g. "7 new tickets in Service Desk".
    pub fn summary_title(&self, summary: &dyn FieldSource) -> String {
        truncate(&self.summary_title.render_line(summary), TITLE_MAX_CHARS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("id", "4711".to_owned()),
            ("priority", "P1".to_owned()),
            ("client_name", "Acme Ltd".to_owned()),
            ("summary", "Printer   on fire".to_owned()),
            ("team", "Service Desk".to_owned()),
            ("status", "New".to_owned()),
            ("details", "Smoke everywhere.\n\n\nPlease help!".to_owned()),
        ])
    }

    #[test]
    fn default_title_and_body_read_well() {
        let t = Templates::default();
        assert_eq!(t.title(&ticket()), "P1 · Acme Ltd: Printer on fire");
        assert_eq!(
            t.body(&ticket()),
            "#4711 · Service Desk · New\nSmoke everywhere.\nPlease help!"
        );
    }

    #[test]
    fn missing_fields_render_as_nothing() {
        let t = Template::parse("{summary} ({agent})").expect("valid");
        let mut fields = ticket();
        fields.remove("agent");
        assert_eq!(t.render(&fields), "Printer on fire ()");
        let body = Templates::default().body(&BTreeMap::<&str, String>::new());
        assert_eq!(body, "# · ·");
    }

    #[test]
    fn braces_can_be_escaped() {
        let t = Template::parse("{{literal}} {id} }}").expect("valid");
        assert_eq!(t.render(&ticket()), "{literal} 4711 }");
        assert_eq!(t.fields().collect::<Vec<_>>(), vec!["id"]);
    }

    #[test]
    fn misspelt_placeholder_is_named_with_the_valid_ones() {
        let err = Template::parse("{prioirty}: {summary}").expect_err("typo");
        let msg = err.to_string();
        assert!(
            msg.starts_with("unknown placeholder {prioirty} in template"),
            "{msg}"
        );
        assert!(
            msg.contains("{priority}") && msg.contains("{client_name}"),
            "{msg}"
        );
    }

    #[test]
    fn broken_braces_are_reported() {
        assert!(matches!(
            Template::parse("{summary"),
            Err(TemplateError::Unclosed { .. })
        ));
        assert!(matches!(
            Template::parse("summary}"),
            Err(TemplateError::StrayClose { .. })
        ));
        assert!(matches!(
            Template::parse("{ }"),
            Err(TemplateError::EmptyPlaceholder { .. })
        ));
        let msg = Template::parse("{summary")
            .expect_err("unclosed")
            .to_string();
        assert!(msg.contains("write \"{{\" for a literal brace"), "{msg}");
    }

    #[test]
    fn long_titles_are_cut_with_an_ellipsis_on_a_char_boundary() {
        let mut fields = ticket();
        fields.insert("summary", "é".repeat(300));
        let title = Templates::default().title(&fields);
        assert_eq!(title.chars().count(), TITLE_MAX_CHARS);
        assert!(title.ends_with('…'));
        let body_fields = BTreeMap::from([("details", "word ".repeat(200))]);
        let body = Templates::default().body(&body_fields);
        assert_eq!(body.chars().count(), BODY_MAX_CHARS);
        assert!(
            !body.contains(" …"),
            "no dangling space before the ellipsis"
        );
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn control_characters_in_ticket_text_are_dropped() {
        let fields = BTreeMap::from([("summary", "Bell\u{7}\u{1b}[31m red\r\nline".to_owned())]);
        let t = Template::parse("{summary}").expect("valid");
        assert_eq!(t.render_line(&fields), "Bell[31m red line");
    }

    #[test]
    fn summary_title_uses_count_and_group() {
        let summary = crate::grouping::Summary::<i64> {
            group_key: "Service Desk".to_owned(),
            alert_ids: vec![1, 2, 3, 4, 5, 6, 7],
            window_start: chrono::DateTime::UNIX_EPOCH,
            flush_at: chrono::DateTime::UNIX_EPOCH,
        };
        assert_eq!(
            Templates::default().summary_title(&summary),
            "7 new tickets in Service Desk"
        );
    }

    #[test]
    fn templates_config_validates_and_round_trips() {
        let t: Templates =
            serde_json::from_str(r#"{ "title": "{priority} {summary}" }"#).expect("valid");
        assert_eq!(t.title.source(), "{priority} {summary}");
        assert_eq!(t.body, Templates::default().body);
        let back: Templates =
            serde_json::from_str(&serde_json::to_string(&t).expect("serialises")).expect("parses");
        assert_eq!(back, t);
        let err = serde_json::from_str::<Templates>(r#"{ "summary_title": "{summary}" }"#)
            .expect_err("ticket field in summary")
            .to_string();
        assert!(
            err.contains("unknown placeholder {summary}") && err.contains("{count}"),
            "{err}"
        );
    }
}
