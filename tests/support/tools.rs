//! The one rule for a test whose tool is missing (tmux, prometheus, nginx,
//! curl, the Docker engine): it skips, saying why on stderr, unless
//! `GOLIVE_REQUIRE_TOOLS=1` (set by `.ci/run`), which makes it fail, so a
//! machine that lacks a tool cannot pass the suite by skipping.
//! `GOLIVE_REQUIRE_DOCKER=1` still does the same for the Docker engine alone.
#![allow(dead_code)]

use std::process::Command;

/// What a test may need from the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Tmux,
    Prometheus,
    Nginx,
    Curl,
    Busybox,
    /// The engine, on its unix socket or wherever `DOCKER_HOST` points.
    Docker,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Tmux => "tmux",
            Tool::Prometheus => "prometheus",
            Tool::Nginx => "nginx",
            Tool::Curl => "curl",
            Tool::Busybox => "busybox-static",
            Tool::Docker => "the Docker engine",
        }
    }
}

/// Whether a missing `tool` fails the test instead of skipping it.
pub fn required(tool: Tool) -> bool {
    let on = |var: &str| std::env::var(var).as_deref() == Ok("1");
    on("GOLIVE_REQUIRE_TOOLS") || (tool == Tool::Docker && on("GOLIVE_REQUIRE_DOCKER"))
}

/// Reports that `test` cannot run because `tool` is missing (`why`): a
/// panic when the tool is required, else a skip line on stderr.
pub fn missing(test: &str, tool: Tool, why: &str) {
    if required(tool) {
        panic!(
            "{test}: {} is required (GOLIVE_REQUIRE_TOOLS/GOLIVE_REQUIRE_DOCKER) but {why}",
            tool.name()
        );
    }
    eprintln!("skipping {test}: {why}");
}

/// True when `program args` runs and succeeds; otherwise reports the
/// missing tool for `test` (see [`missing`]) and returns false.
pub fn runs(test: &str, tool: Tool, program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        missing(test, tool, &format!("`{program}` is not installed"));
    }
    ok
}
