//! The start option `--open alerts|settings`: which window to show at start
//! (launchers, WebDriver tests) or, from a second launch, in the running
//! instance.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The app's two windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowKind {
    Alerts,
    Settings,
}

impl WindowKind {
    /// The window's label, also its page name in `ui/dist`.
    pub fn label(self) -> &'static str {
        match self {
            WindowKind::Alerts => "alerts",
            WindowKind::Settings => "settings",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            WindowKind::Alerts => "Halo Notifier — Alerts",
            WindowKind::Settings => "Halo Notifier — Settings",
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        match label {
            "alerts" => Some(WindowKind::Alerts),
            "settings" => Some(WindowKind::Settings),
            _ => None,
        }
    }
}

/// A start option the app cannot use.
#[derive(Debug, PartialEq, Eq)]
pub struct BadOption(String);

impl fmt::Display for BadOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: start Halo Notifier with `--open alerts` or `--open settings`, or with no option",
            self.0
        )
    }
}

/// Reads `--open alerts`, `--open=settings` from the arguments after the
/// program name; other arguments (e.g. ones a desktop or autostart adds)
/// are ignored.
pub fn window_to_open<I, S>(args: I) -> Result<Option<WindowKind>, BadOption>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut args = args.into_iter();
    let mut wanted = None;
    while let Some(arg) = args.next() {
        let arg = arg.as_ref();
        let value = if arg == "--open" {
            match args.next() {
                Some(v) => v.as_ref().to_owned(),
                None => return Err(BadOption("`--open` needs a window name".into())),
            }
        } else if let Some(v) = arg.strip_prefix("--open=") {
            v.to_owned()
        } else {
            continue;
        };
        wanted = Some(
            WindowKind::from_label(&value)
                .ok_or_else(|| BadOption(format!("there is no window called `{value}`")))?,
        );
    }
    Ok(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_names_the_window_in_either_spelling() {
        assert_eq!(
            window_to_open(["--open", "alerts"]),
            Ok(Some(WindowKind::Alerts))
        );
        assert_eq!(
            window_to_open(["--open=settings"]),
            Ok(Some(WindowKind::Settings))
        );
    }

    #[test]
    fn no_option_starts_in_the_tray_only() {
        assert_eq!(window_to_open(Vec::<String>::new()), Ok(None));
        assert_eq!(window_to_open(["--minimized"]), Ok(None));
    }

    #[test]
    fn an_unknown_window_is_refused_with_the_names_that_work() {
        let err = window_to_open(["--open", "dashboard"]).expect_err("refused");
        assert!(err.to_string().contains("--open alerts"), "{err}");
        assert!(window_to_open(["--open"]).is_err());
    }
}
