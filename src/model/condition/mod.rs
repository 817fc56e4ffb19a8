//! Conditions in the Gatus syntax users know (`[STATUS] == 200`,
//! `[BODY].ready == true`, `[RESPONSE_TIME] < 150ms`): parsed once when the
//! profile loads, so a typo is reported with its offset before anything runs,
//! and evaluated against any source of facts (an HTTP observation, a container
//! summary) through the [`Facts`] trait. A condition that cannot be evaluated
//! fails with a sentence saying why; every verdict carries the observed value,
//! because "why did it fail?" is the first thing an operator asks.
//!
//! Comparison rules, decided once here so every face agrees:
//! - numbers compare as numbers; a duration (`150ms`, `2s`, `1m`) is a number of
//!   milliseconds, so `[RESPONSE_TIME] < 2s` and `[RESPONSE_TIME] < 2000` agree;
//! - a text that reads as a number or a duration is compared as one when the
//!   other side is a number, so `[BODY].code == 200` passes for `200` and `"200"`
//!   (JSON APIs are inconsistent about this); two texts compare as text;
//! - `true`/`false` equal the booleans and the texts `"true"`/`"false"`;
//! - `<`, `<=`, `>`, `>=` need two numbers: anything else cannot be evaluated;
//! - `pat(GLOB)` matches the value's text against `*` wildcards; `any(a, b)`
//!   passes when `==` would pass for one of the values.

mod eval;
mod parse;

pub(crate) use eval::{cut, walk};

use std::collections::BTreeMap;
use std::fmt;

/// A parsed condition; `source` is the text as the user wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub source: String,
    pub lhs: Operand,
    pub op: Op,
    pub rhs: Operand,
}

impl Condition {
    /// The upper bound in ms of a `[RESPONSE_TIME] < N` (or `<=`) condition,
    /// read from the parsed operands: the charts draw it as their threshold.
    pub fn response_time_bound_ms(&self) -> Option<f64> {
        let Operand::Placeholder(p) = &self.lhs else {
            return None;
        };
        if p.name != "RESPONSE_TIME" || !p.path.is_empty() || !matches!(self.op, Op::Lt | Op::Le) {
            return None;
        }
        match &self.rhs {
            Operand::Literal(Literal {
                value: Value::Number(ms) | Value::Millis(ms),
                ..
            }) if ms.is_finite() => Some(*ms),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    fn is_equality(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }
}

/// One side of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Placeholder(Placeholder),
    Literal(Literal),
    /// `len(X)`: characters of a text, items of a list, fields of an object.
    Len(Box<Operand>),
    /// `has(X)`: whether the placeholder can be read at all (`has([BODY].errors) == false`).
    Has(Placeholder),
    /// `pat(GLOB)`, right of `==`/`!=` only.
    Pattern(String),
    /// `any(a, b, c)`, right of `==`/`!=` only.
    Any(Vec<Literal>),
}

/// `[NAME]` followed by an optional path: `[BODY].checks.db`, `[STATUS_COUNT].429`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Upper-case name without brackets: `BODY`, `STATUS`, `RUNNING`.
    pub name: String,
    pub path: Vec<PathSeg>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// `.name` or `["name"]`.
    Key(String),
    /// `[0]`.
    Index(usize),
}

/// A value written in the condition, with its text for messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub value: Value,
    pub text: String,
}

/// A fact or a literal, as conditions see it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    /// A duration in milliseconds: compares as a number, shows with its unit.
    Millis(f64),
    Text(String),
    List(Vec<Value>),
    Object(BTreeMap<String, Value>),
}

impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::Text(s.clone()),
            serde_json::Value::Array(items) => Value::List(items.iter().map(Value::from).collect()),
            serde_json::Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(f64::from(n))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    pub message: String,
    /// Byte offset in the condition text where the problem is.
    pub offset: usize,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConditionError {}

/// The result of evaluating one condition, with the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// A sentence with the observed value: "[STATUS] == 200 failed: observed 503".
    pub explanation: String,
}

/// A source of facts conditions can read: an HTTP observation, a container
/// summary, anything an adapter can describe.
pub trait Facts {
    /// The value of `[placeholder]` (name without brackets) followed by `path`.
    /// `Err` is the reason in words, without the placeholder's name, which the
    /// caller prefixes: "the body is not JSON", "no field `db` in the body".
    fn lookup(&self, placeholder: &str, path: &[PathSeg]) -> Result<Value, String>;
}

/// Facts held in a map, for sources that are not HTTP observations: a
/// container adapter fills `RUNNING = 3`, `HEALTHY = 2`, `RESTARTS = 0`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactMap {
    pub values: BTreeMap<String, Value>,
    /// Names what the facts are about in "not reported" reasons ("the container").
    pub source: String,
}

impl FactMap {
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            values: BTreeMap::new(),
            source: source.into(),
        }
    }

    /// Sets `[name]` (name without brackets).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.values.insert(name.into(), value.into());
        self
    }
}

impl Facts for FactMap {
    fn lookup(&self, placeholder: &str, path: &[PathSeg]) -> Result<Value, String> {
        let Some(value) = self.values.get(placeholder) else {
            let source = if self.source.is_empty() {
                "this source"
            } else {
                self.source.as_str()
            };
            return Err(format!("not reported by {source}"));
        };
        eval::walk_value(value, path)
    }
}

impl Condition {
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        parse::parse(text)
    }

    /// Evaluates against `facts`; never fails: a condition that cannot be
    /// evaluated is a failed verdict whose explanation says why.
    pub fn evaluate(&self, facts: &dyn Facts) -> Verdict {
        eval::evaluate(self, facts)
    }

    /// Every placeholder the condition reads, so a profile check can tell
    /// e.g. that `[RESPONSE_TIME].first` needs `requests > 1`.
    pub fn placeholders(&self) -> Vec<&Placeholder> {
        let mut out = Vec::new();
        for side in [&self.lhs, &self.rhs] {
            side.collect_placeholders(&mut out);
        }
        out
    }
}

impl Operand {
    fn collect_placeholders<'a>(&'a self, out: &mut Vec<&'a Placeholder>) {
        match self {
            Operand::Placeholder(p) | Operand::Has(p) => out.push(p),
            Operand::Len(inner) => inner.collect_placeholders(out),
            Operand::Literal(_) | Operand::Pattern(_) | Operand::Any(_) => {}
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.lhs, self.op.as_str(), self.rhs)
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Placeholder(p) => p.fmt(f),
            Operand::Literal(l) => f.write_str(&l.text),
            Operand::Len(inner) => write!(f, "len({inner})"),
            Operand::Has(p) => write!(f, "has({p})"),
            Operand::Pattern(glob) => write!(f, "pat({glob})"),
            Operand::Any(items) => {
                f.write_str("any(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&item.text)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.name)?;
        for seg in &self.path {
            match seg {
                PathSeg::Index(i) => write!(f, "[{i}]")?,
                PathSeg::Key(k) if parse::is_plain_key(k) => write!(f, ".{k}")?,
                PathSeg::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}
