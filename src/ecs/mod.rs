//! The ECS domain: workloads, instance types, the placement rules of each network mode,
//! Fargate prices, and the translation to and from the generic engine.

pub mod catalog;
pub mod daemons;
pub mod fargate;
pub mod lower;
pub mod options;
pub mod placement;
pub mod prices;
pub mod rules;
pub mod scenario;
pub mod workload;
pub mod zoned;
pub mod zones;
