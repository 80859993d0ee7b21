//! glibc's allocator set up for a process that idles all day. By default
//! each thread that allocates may get an arena of its own (up to eight per
//! core), and memory freed after a burst (a window's session, a large poll)
//! stays mapped. Elsewhere (macOS, Windows, musl) these do nothing.

/// One arena: the tray's few threads seldom allocate at the same moment,
/// and every extra arena keeps its own freed pages. Call first in `main`,
/// before any other thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings and is called before
    // any other thread exists.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Hands freed heap pages back to the system, e.g. once a window host that
/// fetched every alert and ticket detail has gone.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases pages the allocator holds free.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}
