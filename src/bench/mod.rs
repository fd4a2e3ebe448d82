//! Benchmark suites: instances the project generates with known optima, realistic
//! workloads, and the public vector-packing sets read from `.vbp` files.

pub mod realistic;
pub mod vbp;
pub mod families;
