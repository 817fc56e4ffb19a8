//! Reading a profile: TOML text to raw structs to a validated [`Profile`].

use std::path::Path;

use super::{Profile, ProfileError};

/// Reads and validates the profile at `path`.
pub fn load(path: &Path) -> Result<Profile, ProfileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(path, &text)
}

/// Validates profile text as if it had been read from `path`.
pub fn load_str(path: &Path, _text: &str) -> Result<Profile, ProfileError> {
    Err(ProfileError::Invalid {
        issues: vec![super::ProfileIssue {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            message: "profile loading is not implemented yet".into(),
            hint: None,
        }],
    })
}

impl Profile {
    /// Check, run and act refuse a profile with unset variables; validate only warns.
    pub fn ensure_resolved(&self) -> Result<(), ProfileError> {
        if self.unresolved.is_empty() {
            Ok(())
        } else {
            Err(ProfileError::Unresolved {
                path: self.path.clone(),
                vars: self.unresolved.clone(),
            })
        }
    }
}
