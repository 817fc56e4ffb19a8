//! Profile errors: every problem names the file, line and column, and says how to fix it.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileIssue {
    pub file: PathBuf,
    /// 1-based; 0 when the problem has no place in the file.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// How to fix it ("did you mean `title`?").
    pub hint: Option<String>,
}

impl fmt::Display for ProfileIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid { issues: Vec<ProfileIssue> },
    #[error("{}: unset variable{} with no default: {} (set {} or give a default with ${{VAR:-default}})", path.display(), if vars.len() == 1 { "" } else { "s" }, vars.join(", "), if vars.len() == 1 { "it" } else { "them" })]
    Unresolved { path: PathBuf, vars: Vec<String> },
}
