//! What a full log pane costs, counted by the allocator: a line held costs
//! its text and a fixed record, not copies of its source's name or of a
//! JSON record's pieces, and taking a line in allocates only what is kept.
//! Counts, not timings: they are the same on a loaded machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use golive::engine::logs::{LogLine, LogView};

/// The system allocator, counting this thread's live bytes and calls while
/// `COUNTING` is on (other test threads are not charged).
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static CALLS: Cell<usize> = const { Cell::new(0) };
}

fn charge(bytes: isize, call: bool) {
    // `try_with`: the thread's counters may be gone while it exits.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = LIVE.try_with(|l| l.set(l.get() + bytes));
            if call {
                let _ = CALLS.try_with(|c| c.set(c.get() + 1));
            }
        }
    });
}

// SAFETY: every call is passed to the system allocator unchanged; the
// counters are side bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        charge(layout.size() as isize, true);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        charge(-(layout.size() as isize), false);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        charge(new_size as isize - layout.size() as isize, true);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Live bytes and allocator calls while `f` runs on this thread.
fn counted<T>(f: impl FnOnce() -> T) -> (T, isize, usize) {
    LIVE.with(|l| l.set(0));
    CALLS.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (out, LIVE.with(Cell::get), CALLS.with(Cell::get))
}

const HELD: usize = 20_000;

/// Fills a pane of `HELD` lines twice over (so it has evicted) with lines
/// `make` builds the way an adapter does; returns live bytes per line held,
/// allocator calls per line pushed, and the text bytes per line held.
fn full_pane(make: impl Fn(usize) -> String) -> (f64, f64, f64) {
    let source: Arc<str> = "api".into();
    let replica: Arc<str> = "checkout-api-canary-1".into();
    // What the container wrote, made before counting starts.
    let written: Vec<String> = (0..HELD * 2).map(make).collect();
    let (view, live, calls) = counted(|| {
        let mut view = LogView::new(HELD);
        for chunk in written.chunks(256) {
            view.push_batch(chunk.iter().map(|w| line(&source, &replica, w.as_bytes())));
        }
        view
    });
    assert_eq!(view.buffer.len(), HELD);
    assert_eq!(view.buffer.evicted, HELD as u64);
    let text: usize = view.buffer.iter().map(|l| l.text.len()).sum();
    (
        live as f64 / HELD as f64,
        calls as f64 / (HELD * 2) as f64,
        text as f64 / HELD as f64,
    )
}

fn line(source: &Arc<str>, replica: &Arc<str>, bytes: &[u8]) -> LogLine {
    let mut line = LogLine::from_bytes(Arc::clone(source), Some(chrono::Utc::now()), bytes);
    line.replica = Some(Arc::clone(replica));
    line
}

/// The fixed record a held line costs beyond its text (and its colour runs
/// or drawn record): the line itself, its slot in the ring and the filter's
/// bit, with the ring's spare capacity and the allocator's rounding.
const RECORD: f64 = 2.0 * std::mem::size_of::<LogLine>() as f64 + 32.0;

#[test]
fn a_plain_line_costs_its_text_and_one_record() {
    let (per_line, calls, text) = full_pane(|i| {
        format!("2026-01-01T00:00:00.000Z INFO GET /api/v1/items?page={i} 200 12ms user=alice")
    });
    println!(
        "plain: {per_line:.0} bytes per line held ({text:.0} of text), {calls:.2} allocations per line"
    );
    assert!(per_line <= text + RECORD, "{per_line:.0} bytes per line");
    // The text is the one allocation a plain line keeps; the ring's growth
    // and the batches' vectors add a fraction.
    assert!(calls < 1.5, "{calls:.2} allocations per line");
}

#[test]
fn a_coloured_line_adds_only_its_runs() {
    let (per_line, calls, text) =
        full_pane(|i| format!("INFO GET /items?page={i} \x1b[32m200\x1b[0m 12ms \x1b[1mok\x1b[0m"));
    println!(
        "coloured: {per_line:.0} bytes per line held ({text:.0} of text), {calls:.2} allocations per line"
    );
    let runs = 2.0 * 48.0;
    assert!(
        per_line <= text + runs + RECORD,
        "{per_line:.0} bytes per line"
    );
    assert!(calls < 6.0, "{calls:.2} allocations per line");
}

#[test]
fn a_json_line_keeps_its_drawn_form_not_its_pieces() {
    let (per_line, _, text) = full_pane(|i| {
        format!(
            r#"{{"time":"2026-01-01T00:00:00Z","level":"info","msg":"request done","page":{i},"status":200,"user":"alice"}}"#
        )
    });
    println!("json: {per_line:.0} bytes per line held ({text:.0} of text)");
    // The text as written, the drawn form (shorter than the text) and its
    // parts (level, message, three keys and values: 8 parts).
    let parts = 8.0 * 32.0 + 16.0;
    let record = std::mem::size_of::<golive::engine::log_parse::Structured>() as f64 + 16.0;
    assert!(
        per_line <= 2.0 * text + parts + record + RECORD,
        "{per_line:.0} bytes per line"
    );
}

#[test]
fn every_line_of_a_source_shares_its_names() {
    let source: Arc<str> = "api".into();
    let replica: Arc<str> = "checkout-api-canary-1".into();
    let mut view = LogView::new(1000);
    view.push_batch((0..1000).map(|i| line(&source, &replica, format!("line {i}").as_bytes())));
    // One count per line held, plus the two here.
    assert_eq!(Arc::strong_count(&source), 1001);
    assert_eq!(Arc::strong_count(&replica), 1001);
    assert_eq!(
        view.buffer.get(7).unwrap().prefix(),
        "checkout-api-canary-1"
    );
}
