//! Who is operating: the name every sign-off, waiver and action is recorded
//! under (the peers record no actor, and post-mortems need one). Taken from
//! `--operator`, else `GOLIVE_OPERATOR` (both arrive through clap), else the
//! login name, else "unknown", so a record is never written without a name.

use std::ffi::CStr;

/// The operator's name for the journal, from the `--operator`/`GOLIVE_OPERATOR`
/// value if given, else the login name.
pub fn resolve(explicit: Option<&str>) -> String {
    explicit
        .and_then(clean)
        .or_else(login_name)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The login name: `USER`, else `LOGNAME`, else the password database entry
/// of the effective user (cron jobs and containers often set neither variable).
pub fn login_name() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find_map(|v| clean(&v))
        .or_else(|| passwd_name().as_deref().and_then(clean))
}

/// Trimmed, control characters dropped (the name is printed in terminals);
/// None when nothing is left.
fn clean(name: &str) -> Option<String> {
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The effective user's name from the password database, through the
/// re-entrant `getpwuid_r` (the plain variants share a static buffer).
fn passwd_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        // SAFETY: `passwd` is plain old data, valid when zeroed; it is only
        // read after getpwuid_r reports success through `result`.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call: `pwd` and `result` are
        // locals, and `buf` is a live buffer of the length passed.
        let rc = unsafe {
            libc::getpwuid_r(
                libc::geteuid(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        // SAFETY: on success `pw_name` points at a NUL-terminated string
        // inside `buf`, which is still alive here.
        let name = unsafe { CStr::from_ptr(pwd.pw_name) };
        return Some(name.to_string_lossy().into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_name_wins_and_is_cleaned() {
        assert_eq!(resolve(Some("  alice\u{1b}[2J ")), "alice[2J");
    }

    #[test]
    fn blank_explicit_name_falls_back_to_the_login_name() {
        let fallback = login_name().unwrap_or_else(|| "unknown".into());
        assert_eq!(resolve(Some("   ")), fallback);
        assert_eq!(resolve(None), fallback);
    }

    #[test]
    fn password_database_agrees_with_id() {
        // `id -un` reads the same database; where it has no name for us
        // (a container with an unknown uid) neither do we.
        let id = std::process::Command::new("id").arg("-un").output();
        let Ok(id) = id else {
            eprintln!("skipped: no `id` command to compare with");
            return;
        };
        let expected = id
            .status
            .success()
            .then(|| String::from_utf8_lossy(&id.stdout).trim().to_string());
        assert_eq!(passwd_name(), expected);
    }
}
