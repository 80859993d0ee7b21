//! The app's windows on the X display, found by `_NET_WM_PID`, and closed the
//! way a window manager closes them (a `WM_DELETE_WINDOW` request): the app
//! sees the user's click on the title bar's close button.

use anyhow::{Context, Result};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, MapState, Window,
};
use x11rb::rust_connection::RustConnection;

pub struct Display {
    conn: RustConnection,
    root: Window,
}

/// A mapped top-level window of the app.
#[derive(Debug, Clone)]
pub struct AppWindow {
    pub id: Window,
    pub pid: u32,
    pub title: String,
}

impl Display {
    pub fn connect() -> Result<Self> {
        let (conn, screen) =
            x11rb::connect(None).context("cannot reach the X display ($DISPLAY)")?;
        let root = conn.setup().roots[screen].root;
        Ok(Display { conn, root })
    }

    fn atom(&self, name: &str) -> Result<u32> {
        Ok(self.conn.intern_atom(false, name.as_bytes())?.reply()?.atom)
    }

    /// The visible top-level windows belonging to any of `pids`.
    pub fn windows_of(&self, pids: &[u32]) -> Result<Vec<AppWindow>> {
        let net_wm_pid = self.atom("_NET_WM_PID")?;
        let net_wm_name = self.atom("_NET_WM_NAME")?;
        let utf8 = self.atom("UTF8_STRING")?;
        let mut found = Vec::new();
        for window in self.conn.query_tree(self.root)?.reply()?.children {
            let Ok(attrs) = self.conn.get_window_attributes(window)?.reply() else {
                continue;
            };
            if attrs.map_state != MapState::VIEWABLE {
                continue;
            }
            let pid = self
                .conn
                .get_property(false, window, net_wm_pid, AtomEnum::CARDINAL, 0, 1)?
                .reply()?
                .value32()
                .and_then(|mut v| v.next());
            let Some(pid) = pid.filter(|p| pids.contains(p)) else {
                continue;
            };
            let name = self
                .conn
                .get_property(false, window, net_wm_name, utf8, 0, 256)?
                .reply()?;
            found.push(AppWindow {
                id: window,
                pid,
                title: String::from_utf8_lossy(&name.value).into_owned(),
            });
        }
        Ok(found)
    }

    /// Asks the window to close, as a click on its close button would.
    pub fn request_close(&self, window: Window) -> Result<()> {
        let protocols = self.atom("WM_PROTOCOLS")?;
        let delete = self.atom("WM_DELETE_WINDOW")?;
        let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
        self.conn
            .send_event(false, window, EventMask::NO_EVENT, event)?;
        self.conn.flush()?;
        Ok(())
    }
}
