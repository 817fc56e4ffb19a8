//! A `TestBackend` whose last flushed screen the test can read while the
//! event loop still owns the terminal, so a test polls for what is drawn
//! instead of sleeping and hoping.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

pub struct SharedScreen {
    pub inner: TestBackend,
    pub screen: Arc<Mutex<String>>,
    /// Frames drawn (flushes), for tests that count what idling costs.
    pub frames: Arc<AtomicUsize>,
}

impl SharedScreen {
    /// A `width`×`height` backend and the handle its screen text lands in.
    pub fn new(width: u16, height: u16) -> (SharedScreen, Arc<Mutex<String>>) {
        let screen = Arc::new(Mutex::new(String::new()));
        let backend = SharedScreen {
            inner: TestBackend::new(width, height),
            screen: screen.clone(),
            frames: Arc::default(),
        };
        (backend, screen)
    }
}

impl Backend for SharedScreen {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        self.frames.fetch_add(1, Ordering::SeqCst);
        *self.screen.lock().unwrap() = golive::ui::screen_text(self.inner.buffer());
        Ok(())
    }
}
