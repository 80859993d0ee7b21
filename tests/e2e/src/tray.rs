//! The tray as a desktop panel sees it: a StatusNotifierWatcher on the
//! session bus (Xvfb has no panel), so the app's tray icon (Ayatana
//! AppIndicator) registers over D-Bus and exports its menu (dbusmenu); the
//! test reads the menu's items and clicks them as a panel would.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use std::collections::HashMap;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};
use zbus::{Connection, interface};

use crate::wait::eventually;

/// Where a registered tray item lives: (bus name, object path).
type Items = Arc<Mutex<Vec<(String, String)>>>;

struct Watcher {
    items: Items,
}

#[interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // Items register either their object path (Ayatana) or a bus name.
        let item = if service.starts_with('/') {
            (sender, service.to_owned())
        } else {
            (service.to_owned(), "/StatusNotifierItem".to_owned())
        };
        let name = format!("{}{}", item.0, item.1);
        self.items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(item);
        let _ = Self::status_notifier_item_registered(&emitter, &name).await;
    }

    fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(bus, path)| format!("{bus}{path}"))
            .collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        service: &str,
    ) -> zbus::Result<()>;
}

/// A tray host on the session bus; tray icons created while it runs
/// register with it. Dropping it leaves the bus.
pub struct TrayHost {
    conn: Connection,
    items: Items,
}

/// One entry of a tray menu.
#[derive(Debug, Clone)]
pub struct MenuEntry {
    pub id: i32,
    pub label: String,
}

impl TrayHost {
    pub async fn start() -> Result<Self> {
        let items = Items::default();
        let conn = zbus::connection::Builder::session()?
            .name("org.kde.StatusNotifierWatcher")?
            .serve_at(
                "/StatusNotifierWatcher",
                Watcher {
                    items: items.clone(),
                },
            )?
            .build()
            .await
            .context("cannot own org.kde.StatusNotifierWatcher on the session bus")?;
        Ok(TrayHost { conn, items })
    }

    /// The first tray item that registers.
    async fn item(&self) -> Result<(String, String)> {
        eventually(
            "a tray icon registered over D-Bus",
            Duration::from_secs(30),
            || async {
                Ok(self
                    .items
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .first()
                    .cloned())
            },
        )
        .await
    }

    /// The item's menu: its bus name and object path.
    async fn menu(&self) -> Result<(String, OwnedObjectPath)> {
        let (bus, path) = self.item().await?;
        let reply = self
            .conn
            .call_method(
                Some(bus.as_str()),
                path.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.kde.StatusNotifierItem", "Menu"),
            )
            .await
            .context("the tray item's Menu property")?;
        let value: zbus::zvariant::OwnedValue = reply.body().deserialize()?;
        let menu = OwnedObjectPath::try_from(value).context("Menu is an object path")?;
        Ok((bus, menu))
    }

    /// Every labelled entry of the tray menu, submenus included.
    pub async fn entries(&self) -> Result<Vec<MenuEntry>> {
        let (bus, menu) = self.menu().await?;
        let reply = self
            .conn
            .call_method(
                Some(bus.as_str()),
                menu.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .await
            .context("dbusmenu GetLayout")?;
        let body = reply.body();
        // (revision, (id, {properties}, [children as variants]))
        type Root = (u32, (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>));
        let (_revision, (_root, _props, children)): Root = body.deserialize()?;
        let mut entries = Vec::new();
        for child in &children {
            collect(child, &mut entries);
        }
        Ok(entries)
    }

    /// Clicks the entry whose label (mnemonics removed) starts with `label`.
    /// The app rebuilds its menu as alerts change (new ids), so a click that
    /// lands on a vanished id is tried again on the fresh menu.
    pub async fn click(&self, label: &str) -> Result<()> {
        // A click that ends the app (Quit) may get no reply: the app is gone
        // before it answers. Once a click was sent, an app that has left the
        // bus took it.
        let sent = std::sync::atomic::AtomicBool::new(false);
        eventually(
            &format!("tray menu entry {label:?} clicked"),
            Duration::from_secs(15),
            || async {
                let entries = match self.entries().await {
                    Ok(entries) => entries,
                    Err(e)
                        if sent.load(std::sync::atomic::Ordering::SeqCst)
                            && format!("{e:#}").contains("ServiceUnknown") =>
                    {
                        return Ok(Some(()));
                    }
                    Err(e) => return Err(e),
                };
                let Some(entry) = entries.iter().find(|e| e.label.starts_with(label)) else {
                    bail!("no tray menu entry {label:?}; the menu has {entries:?}");
                };
                let (bus, menu) = self.menu().await?;
                sent.store(true, std::sync::atomic::Ordering::SeqCst);
                self.conn
                    .call_method(
                        Some(bus.as_str()),
                        menu.as_str(),
                        Some("com.canonical.dbusmenu"),
                        "Event",
                        &(entry.id, "clicked", Value::I32(0), 0u32),
                    )
                    .await
                    .with_context(|| format!("click {label:?}"))?;
                Ok(Some(()))
            },
        )
        .await
    }
}

/// Walks a dbusmenu layout `(id, {props}, [children])`.
fn collect(node: &Value<'_>, out: &mut Vec<MenuEntry>) {
    match node {
        Value::Value(inner) => collect(inner, out),
        Value::Structure(s) => {
            let fields = s.fields();
            let (Some(Value::I32(id)), Some(Value::Dict(props)), Some(Value::Array(children))) =
                (fields.first(), fields.get(1), fields.get(2))
            else {
                return;
            };
            for (key, value) in props.iter() {
                let value = match value {
                    Value::Value(inner) => &**inner,
                    other => other,
                };
                if let (Value::Str(key), Value::Str(label)) = (key, value)
                    && key.as_str() == "label"
                {
                    out.push(MenuEntry {
                        id: *id,
                        label: label.as_str().replace('_', ""),
                    });
                }
            }
            for child in children.iter() {
                collect(child, out);
            }
        }
        _ => {}
    }
}
