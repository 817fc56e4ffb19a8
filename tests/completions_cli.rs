//! `golive completions` and `golive man` as a user installs them: the bash
//! script loaded into a real bash completes golive's subcommands and flags,
//! every shell gets a script, and the man page renders through groff.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

fn golive(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("golive")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let script = golive(&["completions", "bash"]);
    assert!(script.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("golive.bash");
    std::fs::write(&path, &script.stdout).unwrap();
    let complete = |words: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
                 _golive golive \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
                 printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                path.display()
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let subcommands = complete("golive c");
    for word in ["check", "completions"] {
        assert!(subcommands.lines().any(|l| l == word), "{subcommands}");
    }
    assert!(!subcommands.lines().any(|l| l == "run"), "{subcommands}");
    let shells = complete("golive completions ''");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(shells.lines().any(|l| l == shell), "{shells}");
    }
    let flags = complete("golive check profile.toml --for");
    assert!(flags.lines().any(|l| l == "--format"), "{flags}");
}

#[test]
fn every_shell_gets_a_script_naming_golive() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = golive(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("golive") && text.contains("completions"),
            "{shell}"
        );
    }
    let bad = golive(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("possible values"));
}

#[test]
fn the_man_page_renders_with_every_subcommand() {
    let out = golive(&["man"]);
    assert!(out.status.success());
    let roff = String::from_utf8(out.stdout).unwrap();
    assert!(roff.contains(".TH golive 1"), "{roff}");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("golive.1");
    std::fs::write(&page, &roff).unwrap();
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(rendered.status.success());
    let text = String::from_utf8_lossy(&rendered.stdout);
    for sub in ["run", "demo", "check", "sign", "completions", "man"] {
        assert!(
            text.contains(sub),
            "{sub} missing from the man page:\n{text}"
        );
    }
}
