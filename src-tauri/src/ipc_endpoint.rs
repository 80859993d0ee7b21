//! Where the tray listens for its window host, and the token a host must
//! present. Both live in a folder only the user can enter (`window-host`
//! in the app's data folder): the token file (0600) holds a random token
//! made for this run and the address (a Unix socket beside it, or a named
//! pipe on Windows). The host reads it, so a host started by anyone as the
//! same user (the tray, or WebDriver in the end-to-end tests) finds the
//! running tray on its own.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a host keeps trying while the tray may still be starting.
const CONNECT_PATIENCE: Duration = Duration::from_secs(3);

pub struct Endpoint {
    dir: PathBuf,
}

/// A per-run secret, compared in constant time.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    fn new() -> io::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
        Ok(Token(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    pub fn matches(&self, offered: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), offered.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Endpoint {
    /// The endpoint of the app whose data folder is `data_dir`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Endpoint {
            dir: data_dir.join("window-host"),
        }
    }

    fn token_file(&self) -> PathBuf {
        self.dir.join("token")
    }

    /// The tray's side: a private folder, a fresh token and the listener.
    pub fn listen(&self) -> io::Result<(Listener, Token)> {
        private_dir(&self.dir)?;
        let token = Token::new()?;
        let (listener, address) = Listener::bind(&self.dir)?;
        // Written whole under another name and renamed, so a host never
        // reads half a file.
        let part = self.dir.join("token.part");
        write_private(&part, format!("{}\n{address}\n", token.as_str()).as_bytes())?;
        std::fs::rename(&part, self.token_file())?;
        Ok((listener, token))
    }

    /// The host's side: the token and a connection to the running tray.
    pub async fn connect(&self) -> io::Result<(Connected, String)> {
        let deadline = Instant::now() + CONNECT_PATIENCE;
        loop {
            match self.try_connect().await {
                Ok(found) => return Ok(found),
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn try_connect(&self) -> io::Result<(Connected, String)> {
        let text = tokio::fs::read_to_string(self.token_file()).await?;
        let mut lines = text.lines();
        let (Some(token), Some(address)) = (lines.next(), lines.next()) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the token file is incomplete",
            ));
        };
        Ok((connect_to(address).await?, token.to_owned()))
    }

    /// Removes the token file and the socket (the tray is quitting).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(self.token_file());
        #[cfg(unix)]
        let _ = std::fs::remove_file(self.dir.join(SOCKET));
    }
}

#[cfg(unix)]
const SOCKET: &str = "tray.sock";

#[cfg(unix)]
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // An older folder may have been made with wider rights.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> io::Result<()> {
    // The user's own profile folder: other users cannot enter it.
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(unix)]
pub type Connected = tokio::net::UnixStream;
#[cfg(unix)]
pub type Accepted = tokio::net::UnixStream;

#[cfg(unix)]
pub struct Listener(tokio::net::UnixListener);

#[cfg(unix)]
impl Listener {
    fn bind(dir: &Path) -> io::Result<(Self, String)> {
        let path = dir.join(SOCKET);
        // Left by a tray that did not quit cleanly; this one is the only
        // tray (single instance), so nobody listens there any more.
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let listener = tokio::net::UnixListener::bind(&path)?;
        Ok((Listener(listener), path.to_string_lossy().into_owned()))
    }

    pub async fn accept(&mut self) -> io::Result<Accepted> {
        Ok(self.0.accept().await?.0)
    }
}

#[cfg(unix)]
async fn connect_to(address: &str) -> io::Result<Connected> {
    tokio::net::UnixStream::connect(address).await
}

#[cfg(windows)]
pub type Connected = tokio::net::windows::named_pipe::NamedPipeClient;
#[cfg(windows)]
pub type Accepted = tokio::net::windows::named_pipe::NamedPipeServer;

/// A named pipe with a random name for this run; one server instance waits
/// for the next host while the last one talks.
#[cfg(windows)]
pub struct Listener {
    name: String,
    next: tokio::net::windows::named_pipe::NamedPipeServer,
}

#[cfg(windows)]
impl Listener {
    fn bind(_dir: &Path) -> io::Result<(Self, String)> {
        use tokio::net::windows::named_pipe::ServerOptions;
        let name = format!(r"\\.\pipe\halo-notifier-{}", &Token::new()?.0[..16]);
        let next = ServerOptions::new()
            .first_pipe_instance(true)
            .reject_remote_clients(true)
            .create(&name)?;
        Ok((
            Listener {
                name: name.clone(),
                next,
            },
            name,
        ))
    }

    pub async fn accept(&mut self) -> io::Result<Accepted> {
        use tokio::net::windows::named_pipe::ServerOptions;
        self.next.connect().await?;
        let fresh = ServerOptions::new()
            .reject_remote_clients(true)
            .create(&self.name)?;
        Ok(std::mem::replace(&mut self.next, fresh))
    }
}

#[cfg(windows)]
async fn connect_to(address: &str) -> io::Result<Connected> {
    tokio::net::windows::named_pipe::ClientOptions::new().open(address)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_the_same_token_matches() {
        let token = Token::new().expect("random");
        assert!(token.matches(token.as_str()));
        assert!(!token.matches(""));
        assert!(!token.matches(&token.as_str().replace(|_| true, "0")));
        assert_ne!(token.as_str(), Token::new().expect("random").as_str());
    }

    #[tokio::test]
    async fn a_host_finds_the_tray_through_a_private_folder() {
        let data = tempfile::tempdir().expect("dir");
        let endpoint = Endpoint::in_data_dir(data.path());
        let (mut listener, token) = endpoint.listen().expect("listening");
        let mode = |p: PathBuf| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(data.path().join("window-host")), 0o700);
        assert_eq!(mode(endpoint.token_file()), 0o600);
        let (connected, offered) =
            tokio::join!(endpoint.connect(), async { listener.accept().await });
        connected.expect("connected");
        offered.expect("accepted");
        let (_, read) = Endpoint::in_data_dir(data.path())
            .try_connect()
            .await
            .expect("again");
        assert!(token.matches(&read));
    }

    #[tokio::test]
    async fn without_a_tray_a_host_gives_up() {
        let data = tempfile::tempdir().expect("dir");
        let err = Endpoint::in_data_dir(data.path())
            .connect()
            .await
            .expect_err("nobody listens");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
