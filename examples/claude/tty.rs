//! The terminal and process edges: raw mode, the window size, signals, and dying on
//! purpose. This is the only module with `unsafe`, each block a single libc call.
//!
//! Raw mode mirrors what Node's `setRawMode` does for the real client (no echo, no
//! canonical input, no signal keys, output post-processing left on) and is restored
//! by [`RawMode`]'s `Drop`, so every exit path that unwinds gives the shell its tty back.

use std::sync::atomic::{AtomicI32, Ordering};

/// A tty switched to raw mode; dropping it restores the saved settings.
pub struct RawMode {
    fd: i32,
    saved: libc::termios,
}

impl RawMode {
    /// Switches `fd` (stdin) to raw mode; `None` when it is not a terminal.
    pub fn enable(fd: i32) -> Option<RawMode> {
        // SAFETY: a zeroed termios is a valid out-parameter for tcgetattr.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: tcgetattr only writes into `saved`, which lives for the call.
        if unsafe { libc::tcgetattr(fd, &raw mut saved) } != 0 {
            return None;
        }
        let mut raw = saved;
        raw.c_iflag &= !(libc::BRKINT | libc::ICRNL | libc::INPCK | libc::ISTRIP | libc::IXON);
        raw.c_cflag |= libc::CS8;
        raw.c_lflag &= !(libc::ECHO | libc::ICANON | libc::IEXTEN | libc::ISIG);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        // SAFETY: tcsetattr reads `raw`, a fully initialised termios.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw const raw) } != 0 {
            return None;
        }
        Some(RawMode { fd, saved })
    }

    /// Restores the saved settings now (also done on drop).
    pub fn restore(&self) {
        // SAFETY: tcsetattr reads `saved`, the settings tcgetattr returned.
        unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &raw const self.saved) };
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Whether `fd` is a terminal.
pub fn is_tty(fd: i32) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// (columns, rows) of the terminal on `fd`, if it is one.
pub fn window_size(fd: i32) -> Option<(usize, usize)> {
    // SAFETY: a zeroed winsize is a valid out-parameter for TIOCGWINSZ.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into `size`.
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0 && size.ws_row > 0).then(|| (usize::from(size.ws_col), usize::from(size.ws_row)))
}

/// The last terminating signal received (SIGTERM, SIGHUP, SIGINT), 0 if none.
static PENDING_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only an atomic store: the one thing a signal handler may safely do here.
    PENDING_SIGNAL.store(signal, Ordering::SeqCst);
}

/// Routes SIGTERM, SIGHUP and SIGINT to a flag the event loop polls, so those signals
/// end the session cleanly (state file removed, SessionEnd `other`).
pub fn install_signal_handlers() {
    for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
        // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
        unsafe { libc::signal(signal, on_signal as *const () as libc::sighandler_t) };
    }
}

/// The pending terminating signal, if one arrived.
pub fn pending_signal() -> Option<i32> {
    match PENDING_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Dies the way a crash or an OOM kill looks from outside (exit status 137), without
/// unwinding: no state-file removal, no hooks.
pub fn kill_self() -> ! {
    // SAFETY: sends SIGKILL to this process; nothing runs afterwards.
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    std::process::abort()
}

/// Kills a hook's whole process group (the hook runs as its own group leader), so a
/// shell pipeline does not outlive its timeout.
pub fn kill_group(pgid: u32) {
    if let Ok(pgid) = i32::try_from(pgid) {
        // SAFETY: kill with a negative pid signals that process group only.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
}

/// Whether the process runs as root (the real client refuses bypass mode there).
pub fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and touches no memory.
    unsafe { libc::geteuid() == 0 }
}
