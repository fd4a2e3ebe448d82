//! Tests of `compare`.
