//! `${VAR}`, `${VAR:-default}` and `${service.*}` interpolation.
