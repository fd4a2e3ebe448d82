//! Tests of `bench`.
