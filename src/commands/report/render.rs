//! The report as Markdown or as one self-contained HTML page. Both lay out
//! the same tables from the model (header, KPIs, timeline, phases); HTML
//! inlines the charts' SVG and its CSS, and escapes every text it shows, so
//! the page runs no script and fetches nothing.

use chrono::{DateTime, Utc};

use crate::engine::report::{Kpi, Report, Row, span};

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map_or("—".into(), |t| {
        t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

fn clock(at: DateTime<Utc>) -> String {
    at.format("%H:%M:%S").to_string()
}

fn met(k: &Kpi) -> &'static str {
    match k.met {
        Some(true) => "✔ met",
        Some(false) => "✘ missed",
        None => "",
    }
}

/// The header's rows: label and value.
fn header(report: &Report, warning: Option<&str>) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("service", report.service.clone()),
        (
            "version",
            match &report.previous {
                Some(p) => format!("{} → {p} (previous)", report.version),
                None => report.version.clone(),
            },
        ),
        ("participants", report.participants.join(", ")),
        ("start", time(report.start)),
        ("end", time(report.end)),
        (
            "final state",
            format!("{} — {}", report.outcome(), report.lifecycle.detail),
        ),
    ];
    if let Some(w) = warning {
        rows.push(("⚠ journal", w.to_string()));
    }
    rows
}

fn evidence_text(row: &Row) -> Option<String> {
    row.evidence
        .as_ref()
        .map(|e| format!("seen: {}", e.summary()))
}

fn phase_items(items: &[crate::engine::report::ItemRow]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            let status = if i.superseded {
                "superseded"
            } else {
                i.status.as_str()
            };
            match &i.by {
                Some(by) => format!("{}: {status} ({by})", i.id),
                None => format!("{}: {status}", i.id),
            }
        })
        .collect()
}

/// One Markdown table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The Markdown report; `charts` are the links to the SVG files beside it
/// (or a note saying why there are none).
pub fn markdown(report: &Report, warning: Option<&str>, charts: &[String]) -> String {
    let mut md = format!(
        "# Release report: {} {}\n\n",
        cell(&report.service),
        cell(&report.version)
    );
    md.push_str("| | |\n|---|---|\n");
    for (label, value) in header(report, warning) {
        md.push_str(&format!("| {label} | {} |\n", cell(&value)));
    }
    md.push_str("\n## KPIs\n\n| KPI | value | target | |\n|---|---|---|---|\n");
    for k in &report.kpis {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            k.label,
            k.shown,
            k.target.as_deref().unwrap_or(""),
            met(k)
        ));
    }
    md.push_str("\n## Charts\n\n");
    for c in charts {
        md.push_str(c);
        md.push('\n');
    }
    md.push_str(
        "\n## Timeline\n\n| time | operator | event | about | detail |\n|---|---|---|---|---|\n",
    );
    for row in &report.timeline {
        let mut detail = row.text.clone();
        if let Some(seen) = evidence_text(row) {
            detail.push_str(&format!(" — {seen}"));
        }
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            clock(row.at),
            cell(&row.operator),
            row.kind,
            cell(&row.subject),
            cell(&detail)
        ));
    }
    md.push_str(
        "\n## Phases\n\n| phase | start | end | duration | items |\n|---|---|---|---|---|\n",
    );
    for p in &report.phases {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(&p.title),
            p.start.map_or("—".into(), clock),
            p.end.map_or("—".into(), clock),
            p.duration_ms.map_or("—".into(), span),
            cell(&phase_items(&p.items).join("; "))
        ));
    }
    md
}

/// Text made safe inside HTML elements and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#111;max-width:70em}\
table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}\
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}\
th{background:#eee}.seen{color:#444;font-size:.85em}.met{color:#060}.missed{color:#a00;font-weight:bold}\
svg{max-width:100%;height:auto;display:block;margin:.5em 0}\
@media print{body{margin:0}tr,svg{page-break-inside:avoid}}";

fn tr(cells: &[String]) -> String {
    let tds: String = cells.iter().map(|c| format!("<td>{c}</td>")).collect();
    format!("<tr>{tds}</tr>\n")
}

fn th(cells: &[&str]) -> String {
    let ths: String = cells.iter().map(|c| format!("<th>{c}</th>")).collect();
    format!("<tr>{ths}</tr>\n")
}

/// The HTML page: every value escaped; `svgs` are the charts' elements.
pub fn html(report: &Report, warning: Option<&str>, svgs: &[String]) -> String {
    let title = escape(&format!(
        "Release report: {} {}",
        report.service, report.version
    ));
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{CSS}</style></head><body>\n<h1>{title}</h1>\n<table>\n"
    );
    for (label, value) in header(report, warning) {
        h.push_str(&tr(&[escape(label), escape(&value)]));
    }
    h.push_str("</table>\n<h2 id=\"kpis\">KPIs</h2>\n<table>\n");
    h.push_str(&th(&["KPI", "value", "target", ""]));
    for k in &report.kpis {
        let class = match k.met {
            Some(true) => "met",
            Some(false) => "missed",
            None => "",
        };
        h.push_str(&tr(&[
            escape(k.label),
            escape(&k.shown),
            escape(k.target.as_deref().unwrap_or("")),
            format!("<span class=\"{class}\">{}</span>", met(k)),
        ]));
    }
    h.push_str("</table>\n<h2 id=\"charts\">Charts</h2>\n");
    for svg in svgs {
        h.push_str(svg);
        h.push('\n');
    }
    h.push_str("<h2 id=\"timeline\">Timeline</h2>\n<table>\n");
    h.push_str(&th(&["time", "operator", "event", "about", "detail"]));
    for row in &report.timeline {
        let mut detail = escape(&row.text);
        if let Some(seen) = evidence_text(row) {
            detail.push_str(&format!("<div class=\"seen\">{}</div>", escape(&seen)));
        }
        h.push_str(&tr(&[
            clock(row.at),
            escape(&row.operator),
            row.kind.to_string(),
            escape(&row.subject),
            detail,
        ]));
    }
    h.push_str("</table>\n<h2 id=\"phases\">Phases</h2>\n<table>\n");
    h.push_str(&th(&["phase", "start", "end", "duration", "items"]));
    for p in &report.phases {
        let items: Vec<String> = phase_items(&p.items).iter().map(|i| escape(i)).collect();
        h.push_str(&tr(&[
            escape(&p.title),
            p.start.map_or("—".into(), clock),
            p.end.map_or("—".into(), clock),
            p.duration_ms.map_or("—".into(), span),
            items.join("<br>"),
        ]));
    }
    h.push_str("</table>\n</body></html>\n");
    h
}
