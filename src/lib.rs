//! ecsplan: the least-cost fleet of EC2 instances for an ECS workload, the placement of
//! every task, and a proven lower bound on the cost.
//!
//! The pipeline, one module per step: `input` reads CSV into the `ecs` domain, which
//! `ecs::lower` turns into the generic `engine` problem; the engine's packing becomes a
//! plan that `check` verifies independently before `output` writes it. `planner` runs one
//! plan, `compare` the scenarios, `bench` the benchmark suites; `cmd` holds one module per
//! subcommand. Imports point down that list only (`ARCHITECTURE.md`).
#![forbid(unsafe_code)]

pub mod bench;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod compare;
pub mod ecs;
pub mod engine;
pub mod import;
pub mod input;
pub mod output;
pub mod planner;
