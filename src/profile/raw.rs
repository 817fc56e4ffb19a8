//! Raw serde structs, one per profile section, with deny_unknown_fields.
