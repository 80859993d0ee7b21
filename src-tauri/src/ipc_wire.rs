//! What the tray and its window host say to each other over the local
//! socket: length-delimited frames, each one JSON message. The host calls
//! the command surface and the tray answers; the tray pushes events and
//! window requests. A second launch of the tray uses the same socket to
//! hand its `--open` over. Frames are bounded and anything unreadable is refused
//! without a panic.

use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::bytes::Bytes;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::error::CommandError;
use crate::ipc_endpoint::{Connected, Endpoint};
use crate::start_option::WindowKind;

/// The largest message either side accepts (an alert list with its
/// tickets' texts fits many times over).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// How long a peer may stay silent while the two sides introduce
/// themselves.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A window the tray wants shown, on one alert for the alerts window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowWindow {
    pub window: WindowKind,
    pub ticket_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostToTray {
    /// First message: the token from the tray's token file.
    Hello { token: String },
    /// First and only message of a second launch of the tray (one tray per
    /// user): show this window, or the alerts window when none is named.
    /// The tray answers `Welcome` once the window is on its way.
    Launched {
        token: String,
        open: Option<WindowKind>,
    },
    /// A window called a command (`args` as the page sent them).
    Invoke {
        id: u64,
        command: String,
        args: Value,
    },
    /// The host has no window left, after it had handled (made the window
    /// of) `shows` window requests on this connection. The tray answers
    /// `Quit` only if it sent no more than that, so a request already on
    /// its way is never lost to a host that is ending.
    Idle { shows: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TrayToHost {
    /// The token was right: commands may follow.
    Welcome,
    Reply {
        id: u64,
        result: Result<Value, CommandError>,
    },
    /// An event for every window (`engine-event`, `app-status`).
    Event {
        name: String,
        payload: Value,
    },
    Show(ShowWindow),
    /// The tray quits (close every window), or lets an idle host end.
    Quit,
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the other side closed the connection")]
    Closed,
    #[error("the connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("an unreadable message: {0}")]
    Garbled(#[from] serde_json::Error),
}

/// One end of the connection.
pub type Channel<S> = Framed<S, LengthDelimitedCodec>;

pub fn channel<S: AsyncRead + AsyncWrite>(stream: S) -> Channel<S> {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_framed(stream)
}

/// Reads the next message. A garbled one is an error the caller may skip;
/// a frame over the limit or a broken stream ends the connection.
pub async fn read<S, M>(channel: &mut Channel<S>) -> Result<M, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    M: DeserializeOwned,
{
    match channel.next().await {
        None => Err(WireError::Closed),
        Some(Err(e)) => Err(WireError::Io(e)),
        Some(Ok(frame)) => Ok(serde_json::from_slice(&frame)?),
    }
}

pub async fn write<S, M>(channel: &mut Channel<S>, message: &M) -> Result<(), WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    M: Serialize,
{
    let bytes = serde_json::to_vec(message)?;
    channel.send(Bytes::from(bytes)).await?;
    Ok(())
}

/// Why the running tray could not be reached, or did not let this side in.
#[derive(Debug, thiserror::Error)]
pub enum GreetError {
    #[error("no tray to connect to ({0})")]
    Unreachable(std::io::Error),
    #[error("{0}")]
    Lost(WireError),
    #[error("the tray refused the connection")]
    Refused,
    #[error("the tray did not answer")]
    Silent,
}

/// Connects to the tray whose data folder is `data_dir`, introduces this
/// side with `hello` (made from the endpoint's token) and waits for the
/// tray's `Welcome`.
pub async fn greet_tray(
    data_dir: &Path,
    hello: impl FnOnce(String) -> HostToTray,
) -> Result<Channel<Connected>, GreetError> {
    let (stream, token) = Endpoint::in_data_dir(data_dir)
        .connect()
        .await
        .map_err(GreetError::Unreachable)?;
    let mut channel = channel(stream);
    write(&mut channel, &hello(token))
        .await
        .map_err(GreetError::Lost)?;
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, read(&mut channel)).await {
        Ok(Ok(TrayToHost::Welcome)) => Ok(channel),
        Ok(Ok(_) | Err(_)) => Err(GreetError::Refused),
        Err(_) => Err(GreetError::Silent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn messages_cross_intact_errors_included() {
        let (a, b) = tokio::io::duplex(1024);
        let (mut a, mut b) = (channel(a), channel(b));
        let sent = TrayToHost::Reply {
            id: 7,
            result: Err(CommandError::new(
                ErrorKind::NotFound,
                "ticket 4 has no alert",
            )),
        };
        write(&mut a, &sent).await.expect("written");
        let got: TrayToHost = read(&mut b).await.expect("read");
        assert_eq!(got, sent);
        // The page sees the contract's error shape, not Rust's `Err`.
        let TrayToHost::Reply { result: Err(e), .. } = got else {
            panic!("an error reply");
        };
        let json = serde_json::to_value(e).expect("json");
        assert_eq!(json["kind"], "not_found");
    }

    #[tokio::test]
    async fn garbage_is_an_error_and_the_next_message_still_reads() {
        let (a, b) = tokio::io::duplex(1024);
        let (mut a, mut b) = (channel(a), channel(b));
        a.send(Bytes::from_static(b"{not json"))
            .await
            .expect("sent");
        write(&mut a, &HostToTray::Hello { token: "t".into() })
            .await
            .expect("sent");
        assert!(matches!(
            read::<_, HostToTray>(&mut b).await,
            Err(WireError::Garbled(_))
        ));
        assert_eq!(
            read::<_, HostToTray>(&mut b).await.expect("read"),
            HostToTray::Hello { token: "t".into() }
        );
    }

    #[tokio::test]
    async fn an_oversized_frame_ends_the_connection_without_reading_it() {
        let (mut raw, b) = tokio::io::duplex(1024);
        let mut b = channel(b);
        let huge = u32::try_from(MAX_FRAME + 1).expect("fits");
        raw.write_all(&huge.to_be_bytes()).await.expect("header");
        assert!(matches!(
            read::<_, HostToTray>(&mut b).await,
            Err(WireError::Io(_))
        ));
    }
}
