//! The program's own code pages. Starting the cockpit runs code an idle
//! cockpit never runs again (argument parsing, the profile's parser and
//! checks, the journal's catch-up, the first look at every source), and
//! the kernel maps code in 64 KiB runs around each page touched, so after
//! start-up most of the binary's text stays counted in the resident set.
//! Handing those pages back once start-up is over makes the resident set
//! what the cockpit uses while it runs: the pages stay in the page cache
//! (shared, clean, read back on the next touch), nothing is lost.

/// Drops the executable's code pages from this process's page tables; the
/// ones still in use fault back in from the page cache. Only mappings that
/// are read-and-execute and private to the binary are touched: code is never
/// written, so reading it back from the file gives the same bytes (the
/// relocated read-only data is written at load time and is left alone).
/// Returns the bytes handed back; 0 where this is not Linux or nothing
/// matched.
pub fn release_startup_code() -> usize {
    #[cfg(target_os = "linux")]
    {
        let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
            return 0;
        };
        let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
            return 0;
        };
        let mut released = 0;
        for (start, end) in code_ranges(&maps, &exe.to_string_lossy()) {
            let len = end - start;
            // SAFETY: the range is a whole mapping of the executable's code,
            // read-only and never written; MADV_DONTNEED on a private file
            // mapping only unmaps its pages, which the next access reads
            // back from the file unchanged.
            let done =
                unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTNEED) };
            if done == 0 {
                released += len;
            }
        }
        released
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// The address ranges of `exe`'s read-and-execute private mappings in a
/// `/proc/self/maps` text.
fn code_ranges(maps: &str, exe: &str) -> Vec<(usize, usize)> {
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next()?;
            let perms = fields.next()?;
            let path = fields.nth(3)?;
            if perms != "r-xp" || path != exe {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            let start = usize::from_str_radix(start, 16).ok()?;
            let end = usize::from_str_radix(end, 16).ok()?;
            (end > start).then_some((start, end))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn only_the_binarys_code_mappings_are_picked() {
        let maps = "\
55d0a0000000-55d0a0100000 r--p 00000000 fd:01 42 /opt/golive
55d0a0100000-55d0a0900000 r-xp 00100000 fd:01 42 /opt/golive
55d0a0900000-55d0a0a00000 r--p 00900000 fd:01 42 /opt/golive
55d0a0a00000-55d0a0a10000 rw-p 00a00000 fd:01 42 /opt/golive
7f0000000000-7f0000200000 r-xp 00028000 fd:01 7 /usr/lib/libc.so.6
7f0000300000-7f0000400000 rw-p 00000000 00:00 0
";
        assert_eq!(
            code_ranges(maps, "/opt/golive"),
            vec![(0x55d0a0100000, 0x55d0a0900000)]
        );
        assert!(code_ranges(maps, "/opt/other").is_empty());
    }

    /// Resident KiB of this test binary's code mappings: smaps is maps
    /// with `Name: value kB` lines under each mapping's own line.
    #[cfg(target_os = "linux")]
    fn code_resident_kib() -> u64 {
        let exe = std::fs::read_link("/proc/self/exe").unwrap();
        let exe = exe.to_string_lossy();
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut ours = false;
        let mut kib = 0;
        for line in smaps.lines() {
            match line.strip_prefix("Rss:") {
                Some(rss) if ours => {
                    kib += rss
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .unwrap();
                }
                Some(_) => {}
                None if line
                    .split_whitespace()
                    .next()
                    .is_some_and(|f| f.ends_with(':')) => {}
                None => ours = !code_ranges(line, &exe).is_empty(),
            }
        }
        kib
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn code_pages_are_handed_back_and_the_program_runs_on() {
        let before = code_resident_kib();
        assert!(before > 0, "the test binary's code is resident");
        let released = release_startup_code();
        assert!(released > 0, "the code mappings were handed back");
        // Code keeps running: it faults back in from the page cache.
        let sum: u64 = (0..1000u64).map(|i| i * i).sum();
        assert_eq!(sum, 332_833_500);
        let after = code_resident_kib();
        assert!(
            after < before,
            "resident code went from {before} KiB to {after} KiB"
        );
    }
}
