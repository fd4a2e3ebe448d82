//! The integration tests: the built `ecsplan` binary run on CSVs written into temporary
//! folders, and property tests over generated workloads through the library.

mod util;

mod bench;
mod check;
mod compare;
mod import;
mod input_errors;
mod interrupt;
mod plan;
mod prices;
mod progress;
mod properties;
mod readme;
mod shell;
mod zones;
