//! Tests of `input_errors`.
