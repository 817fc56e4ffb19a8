//! The `[[notify]]` section: who hears about the release's state changes. A
//! receiver is a webhook (golive's JSON or the Slack-compatible shape, with
//! secret headers) or a command that reads the payload on stdin; `events`
//! narrows what it hears, `timeout` and `retries` bound each delivery. Read
//! after the phases, so the items marked `notify = true` are known.

use std::time::Duration;

use toml::Spanned;

use super::{Known, Loader, Value};
use crate::profile::error::{quoted_list, suggest};
use crate::profile::raw;
use crate::profile::{Notifier, Notify, NotifyEvent, NotifyFormat, NotifyTarget};

/// Per attempt, unless the receiver says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts after the first, unless the receiver says otherwise.
const DEFAULT_RETRIES: u32 = 3;
/// More would keep a failing receiver busy for minutes.
const MAX_RETRIES: i64 = 10;

impl Loader<'_> {
    pub(super) fn notify(&mut self, value: Option<Value<'_>>, known: &Known) -> Notify {
        let raws: Vec<Spanned<raw::RawNotify>> = self.de_array("notify", value);
        self.unique("notify", raws.iter().map(|r| &r.get_ref().id));
        let mut receivers = Vec::new();
        for r in &raws {
            let span = r.span();
            let r = r.get_ref();
            let id = self.id(&r.id, "notify");
            let target = match (&r.webhook, &r.command) {
                (Some(url), None) => {
                    let url = self.url(url);
                    // A webhook URL (Slack's, say) is a credential itself.
                    self.header_values.push(url.clone());
                    let format = self.notify_format(r.format.as_ref());
                    let headers = self.headers(&r.headers);
                    NotifyTarget::Webhook {
                        url,
                        format,
                        headers,
                    }
                }
                (None, Some(argv)) => {
                    for (what, given) in [
                        ("format", r.format.as_ref().map(|f| f.span())),
                        ("headers", r.headers.values().next().map(|v| v.span())),
                    ] {
                        if let Some(at) = given {
                            self.hint(
                                at,
                                format!("notify `{id}` runs a command: `{what}` is for webhooks"),
                                "a command gets golive's JSON payload on stdin",
                            );
                        }
                    }
                    NotifyTarget::Command {
                        argv: self.expand_argv(argv),
                    }
                }
                (Some(_), Some(argv)) => {
                    self.hint(
                        argv.span(),
                        format!("notify `{id}` has both `webhook` and `command`"),
                        "a receiver is one webhook or one command; add another [[notify]] for the other",
                    );
                    continue;
                }
                (None, None) => {
                    self.hint(
                        span,
                        format!("notify `{id}` has neither `webhook` nor `command`"),
                        "add webhook = \"https://hooks.example/...\" or command = [\"notify-send\"]",
                    );
                    continue;
                }
            };
            let events = self.notify_events(r.events.as_ref());
            let timeout = self.duration_or(&r.timeout, DEFAULT_TIMEOUT);
            let retries = match &r.retries {
                None => DEFAULT_RETRIES,
                Some(n) if (0..=MAX_RETRIES).contains(n.get_ref()) => *n.get_ref() as u32,
                Some(n) => {
                    self.hint(
                        n.span(),
                        format!("retries = {} is out of range", n.get_ref()),
                        format!("retries is 0 to {MAX_RETRIES}"),
                    );
                    DEFAULT_RETRIES
                }
            };
            receivers.push(Notifier {
                id,
                target,
                events,
                timeout,
                retries,
            });
        }
        Notify {
            receivers,
            items: known.notify_items.clone(),
        }
    }

    fn notify_format(&mut self, format: Option<&raw::Str>) -> NotifyFormat {
        match format.map(|f| (f, f.get_ref().as_str())) {
            None | Some((_, "json")) => NotifyFormat::Json,
            Some((_, "slack")) => NotifyFormat::Slack,
            Some((f, other)) => {
                let names = ["json", "slack"];
                let hint = match suggest(other, &names) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("format is one of {}", quoted_list(&names)),
                };
                self.err(
                    f.span(),
                    format!("unknown notify format `{other}`"),
                    Some(hint),
                );
                NotifyFormat::Json
            }
        }
    }

    /// The events named, or every event when none are.
    fn notify_events(&mut self, events: Option<&Spanned<Vec<raw::Str>>>) -> Vec<NotifyEvent> {
        let Some(events) = events else {
            return NotifyEvent::ALL.to_vec();
        };
        let names: Vec<&str> = NotifyEvent::ALL.iter().map(|e| e.name()).collect();
        let mut out = Vec::new();
        for e in events.get_ref() {
            match NotifyEvent::from_name(e.get_ref()) {
                Some(event) => out.push(event),
                None => {
                    let hint = match suggest(e.get_ref(), &names) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => format!("events are {}", quoted_list(&names)),
                    };
                    self.err(
                        e.span(),
                        format!("unknown notify event `{}`", e.get_ref()),
                        Some(hint),
                    );
                }
            }
        }
        if events.get_ref().is_empty() {
            self.hint(
                events.span(),
                "`events` is empty: this receiver would hear nothing",
                "leave `events` out to hear every event",
            );
        }
        out
    }
}
