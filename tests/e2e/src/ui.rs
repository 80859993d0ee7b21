//! The app's windows as a user sees them through WebDriver: elements found
//! by the `data-testid`s `ui/README.md` lists, clicked and typed into like a
//! user would, and read back.

use std::time::Duration;

use anyhow::{Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::wait::eventually;

/// How long a window may take to show what a test waits for.
pub const UI_TIMEOUT: Duration = Duration::from_secs(20);

/// `[data-testid="id"]`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// One WebDriver session on the app's windows.
pub struct Window {
    pub client: Client,
}

impl Window {
    pub fn new(client: Client) -> Self {
        Window { client }
    }

    /// The element with this test id, once it is in the page.
    pub async fn find(&self, id: &str) -> Result<Element> {
        let css = testid(id);
        eventually(&format!("element {css}"), UI_TIMEOUT, || async {
            Ok(self.client.find(Locator::Css(&css)).await.ok())
        })
        .await
    }

    pub async fn find_all_css(&self, css: &str) -> Result<Vec<Element>> {
        Ok(self.client.find_all(Locator::Css(css)).await?)
    }

    pub async fn click(&self, id: &str) -> Result<()> {
        self.find(id)
            .await?
            .click()
            .await
            .with_context(|| format!("click {id}"))
    }

    /// Replaces a field's text as a user would (select all, type).
    pub async fn fill(&self, id: &str, text: &str) -> Result<()> {
        let field = self.find(id).await?;
        field.clear().await.with_context(|| format!("clear {id}"))?;
        field
            .send_keys(text)
            .await
            .with_context(|| format!("type into {id}"))
    }

    pub async fn text(&self, id: &str) -> Result<String> {
        Ok(self.find(id).await?.text().await?)
    }

    /// Waits until the element's visible text contains `needle`.
    pub async fn wait_text(&self, id: &str, needle: &str) -> Result<String> {
        let css = testid(id);
        eventually(&format!("{needle:?} in {css}"), UI_TIMEOUT, || async {
            let Ok(el) = self.client.find(Locator::Css(&css)).await else {
                return Ok(None);
            };
            let text = el.text().await?;
            Ok(text.contains(needle).then_some(text))
        })
        .await
    }

    /// Runs a script in the page and returns its value.
    pub async fn script(&self, js: &str) -> Result<Value> {
        Ok(self.client.execute(js, vec![]).await?)
    }

    /// Switches to the window whose title contains `title`.
    pub async fn switch_to(&self, title: &str) -> Result<()> {
        eventually(&format!("window titled {title:?}"), UI_TIMEOUT, || async {
            for handle in self.client.windows().await? {
                self.client.switch_to_window(handle).await?;
                if self
                    .client
                    .title()
                    .await?
                    .to_lowercase()
                    .contains(&title.to_lowercase())
                {
                    return Ok(Some(()));
                }
            }
            Ok(None)
        })
        .await
    }
}
