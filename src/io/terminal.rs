//! The terminal: raw mode, the alternate screen, wheel-and-click mouse
//! reporting, and the promise to give all of it back. A guard restores on
//! drop (q, `?`, errors), the panic hook restores before the report prints
//! (a panic in any task), and `restore` is idempotent so the paths may meet.

use std::io::{Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::Show;
use crossterm::event::Event;
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Normal mouse tracking (presses, releases, wheel) in SGR encoding: no
/// motion events, so an idle mouse costs nothing.
const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1000l";

static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANICKED: AtomicBool = AtomicBool::new(false);

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("cannot set up the terminal: {0}")]
    Setup(#[source] std::io::Error),
    #[error("stdout is not a terminal (use `golive check` for headless runs)")]
    NotATerminal,
}

pub type CockpitTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the cockpit runs; dropping it restores the terminal.
pub struct TerminalGuard {
    terminal: CockpitTerminal,
}

impl TerminalGuard {
    pub fn enter() -> Result<Self, TerminalError> {
        use std::io::IsTerminal;
        if !stdout().is_terminal() {
            return Err(TerminalError::NotATerminal);
        }
        ACTIVE.store(true, Ordering::SeqCst);
        let setup = || -> std::io::Result<CockpitTerminal> {
            enable_raw_mode()?;
            let mut out = stdout();
            // Cleared here, not by `Terminal::clear`, which asks the
            // terminal where its cursor is and waits for the answer: most of
            // the time before the first frame, for a cursor about to be
            // hidden.
            execute!(out, EnterAlternateScreen, Clear(ClearType::All))?;
            out.write_all(MOUSE_ON)?;
            out.flush()?;
            let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
            terminal.hide_cursor()?;
            Ok(terminal)
        };
        match setup() {
            Ok(terminal) => Ok(Self { terminal }),
            Err(err) => {
                restore();
                Err(TerminalError::Setup(err))
            }
        }
    }

    pub fn terminal(&mut self) -> &mut CockpitTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back: mouse off, main screen, cooked mode, cursor shown.
/// Safe to call any number of times, from any thread.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = stdout();
    let _ = out.write_all(MOUSE_OFF);
    let _ = execute!(out, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Captures the mouse or gives it back to the terminal, so the operator can
/// select and copy text; does nothing when the cockpit does not own a
/// terminal (tests, benchmarks).
pub fn set_mouse(on: bool) {
    if !ACTIVE.load(Ordering::SeqCst) {
        return;
    }
    let mut out = stdout();
    let _ = out.write_all(if on { MOUSE_ON } else { MOUSE_OFF });
    let _ = out.flush();
}

/// Restores the terminal before any panic report prints (the previous hook,
/// color-eyre's, then prints it on a sane screen). Marks the panic so the
/// event loop stops drawing and exits.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        restore();
        previous(info);
    }));
}

/// A panic happened somewhere in the process (the loop must stop).
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

/// Events waiting to be taken in; a paste or a burst of keys fits.
const EVENTS_QUEUED: usize = 256;

/// The terminal's events as an async stream, read by a thread of their
/// own that blocks until one comes. crossterm's `EventStream` takes its
/// reader's lock on every poll and spins (`sched_yield`) while its own
/// thread holds it; polled on every wake of the cockpit's loop (each probe
/// report, each tick), that spin was most of an idle cockpit's CPU. The
/// thread ends after the first event once the stream is dropped.
pub fn events() -> impl futures::Stream<Item = std::io::Result<Event>> {
    let (tx, rx) = tokio::sync::mpsc::channel(EVENTS_QUEUED);
    let spawned = std::thread::Builder::new()
        .name("golive-input".into())
        .spawn(move || {
            loop {
                let event = crossterm::event::read();
                let failed = event.is_err();
                if tx.blocking_send(event).is_err() || failed {
                    return;
                }
            }
        });
    // Without the thread, no event ever comes: the stream ends at once, and
    // the loop ends as it does when the terminal goes away.
    let rx = spawned.ok().map(|_| rx);
    futures::stream::unfold(rx, |rx| async move {
        let mut rx = rx?;
        let event = rx.recv().await?;
        Some((event, Some(rx)))
    })
}
