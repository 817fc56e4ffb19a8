//! Command-line definitions only: what the operator can type, parsed by clap.
//! Turning these raw flags into validated values happens in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "golive",
    version,
    about = "A terminal deployment cockpit: checklist, health, canary metrics, logs and one-key rollback."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Journal file (default: under the user data dir, keyed by service and version).
    #[arg(long, global = true, env = "GOLIVE_JOURNAL")]
    pub journal: Option<PathBuf>,
    /// Who is operating (default: $GOLIVE_OPERATOR, else the login name).
    #[arg(long, global = true, env = "GOLIVE_OPERATOR")]
    pub operator: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the cockpit on a profile.
    Run(RunArgs),
    /// Start the embedded demo service and open the cockpit on it.
    Demo(DemoArgs),
    /// Validate profiles and report every problem with file, line and column.
    Validate(ValidateArgs),
    /// Run the automated checklist items once, headless (for CI).
    Check(CheckArgs),
    /// Record a sign-off (or a waiver) of a manual item in the journal.
    Sign(SignArgs),
    /// Show the checklist state recorded in the journal.
    Status(StatusArgs),
    /// Run an action (promote, rollback, ...) headless.
    Act(ActArgs),
    /// Stream the merged, sanitised logs of a profile's sources.
    Logs(LogsArgs),
    /// Write the release report (header, timeline, phases, KPIs, charts) from the journal.
    Report(ReportArgs),
    /// Capture and inspect metric baselines.
    Baseline(BaselineArgs),
    /// Check the release journal (its hash chain).
    Journal(JournalArgs),
    /// Try the profile's notification receivers.
    Notify(NotifyArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print golive's man page (roff) on standard output.
    Man,
    /// Talk to a running demo service (used by the demo profile's actions).
    #[command(name = "demo-ctl", hide = true)]
    DemoCtl(DemoCtlArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
    Junit,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    pub profile: PathBuf,
    /// Colour theme: dark, light, high-contrast, or a path to a theme TOML file.
    #[arg(long, default_value = "dark")]
    pub theme: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the demo service's URLs and keep serving, without the cockpit.
    #[arg(long, conflicts_with = "headless")]
    pub serve_only: bool,
    /// Run the demo checklist headless, printing results as they come.
    #[arg(long)]
    pub headless: bool,
    /// Seed of the simulated traffic (the timeline is deterministic given the seed).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Compress the demo timeline by this factor (tests use 10 or more).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Serve on this loopback port and the next three (baseline, canary-1,
    /// canary-2, control) instead of ephemeral ones; 8480 matches the
    /// defaults of profiles/demo.toml.
    #[arg(long)]
    pub port: Option<u16>,
    #[arg(long, default_value = "dark")]
    pub theme: String,
}

#[derive(Debug, Args)]
pub struct DemoCtlArgs {
    /// The control URL (for rollback, promote, state) or a replica URL (for logs).
    pub url: String,
    #[arg(value_enum)]
    pub action: DemoCtlAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoCtlAction {
    /// POST {url}/rollback: the canaries return to the previous version.
    Rollback,
    /// POST {url}/promote: the canaries are marked promoted.
    Promote,
    /// GET {url}/state: the demo's phase as JSON.
    State,
    /// Stream {url}/logs to stdout, one line per event.
    Logs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[arg(required = true)]
    pub profiles: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    pub profile: PathBuf,
    /// Only this phase's items.
    #[arg(long)]
    pub phase: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Longest wait for items with `hold` (and for the whole run).
    #[arg(long, default_value = "5m")]
    pub timeout: String,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    pub profile: PathBuf,
    pub item: String,
    #[arg(long)]
    pub note: Option<String>,
    /// Waive the item instead of signing it, with this reason.
    #[arg(long)]
    pub waive: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Md,
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    pub profile: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Write the report here (Markdown's charts go beside it as SVG files)
    /// instead of to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub profile: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ActArgs {
    pub profile: PathBuf,
    pub action: String,
    /// Run without asking (required when there is no terminal to confirm on).
    #[arg(long)]
    pub yes: bool,
    /// Print and journal what would run, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    pub profile: PathBuf,
    /// Only this log source (its id).
    #[arg(long)]
    pub source: Option<String>,
    /// Start this far back (e.g. 10m).
    ///
    /// Docker sources: filtered by the engine on its own timestamps. File
    /// sources: read from the start instead of the last 64 KiB, skipping lines
    /// dated earlier (a leading RFC 3339 / ISO 8601 time, local time without
    /// an offset, or a JSON line's time, timestamp, ts or @timestamp field)
    /// until the first that is not; an undated line goes with the line before
    /// it. Command sources: their lines are filtered the same way; the command
    /// itself does not know, so pass its own flag (kubectl logs --since) to
    /// keep it from printing them at all.
    #[arg(long)]
    pub since: Option<String>,
    /// Keep only lines matching this regular expression.
    #[arg(long)]
    pub grep: Option<String>,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub command: BaselineCommand,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Sample a track's metrics and write them as a baseline file.
    Capture {
        profile: PathBuf,
        #[arg(long, default_value = "baseline")]
        track: String,
        #[arg(long, default_value = "5m")]
        duration: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct JournalArgs {
    #[command(subcommand)]
    pub command: JournalCommand,
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Walk the hash chain: exit 0 when intact, 1 naming the first bad line.
    Verify {
        /// The journal file (default: --journal / GOLIVE_JOURNAL, else the
        /// one `--profile`'s release writes to).
        file: Option<PathBuf>,
        /// Find the journal the way other commands do for this profile.
        #[arg(long)]
        profile: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    #[command(subcommand)]
    pub command: NotifyCommand,
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test event to each `[[notify]]` receiver and print what each
    /// answered: exit 0 when all accepted, 1 when one did not.
    Test {
        /// The profile whose receivers to try.
        profile: PathBuf,
        /// Only the receiver with this id.
        #[arg(long)]
        id: Option<String>,
    },
}
