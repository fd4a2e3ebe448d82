//! The options a plan was made under, as its `summary.json` records them: every rule
//! option of `plan` in the form its flag takes, and the catalog's source with the SHA-256
//! of its bytes, so that `check` verifies the plan under the same rules.

use serde::{Deserialize, Serialize};

/// How the built-in catalog is recorded as a source.
pub const BUILT_IN_SOURCE: &str = "built-in";

/// The rule options of one plan. A field missing from an older file reads as its
/// default, so a field can be added without breaking the plan folders already written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanOptions {
    /// `on` or `off` (`--eni-trunking`).
    pub eni_trunking: String,
    pub headroom: f64,
    /// The `--types` patterns as given, `;`-separated; `None` when not given.
    pub types: Option<String>,
    pub memory_overhead_pct: f64,
    pub reserved_memory_mib: u64,
    /// `LO-HI` (`--dynamic-port-range`).
    pub dynamic_port_range: String,
    pub catalog: CatalogSource,
    /// The availability zones planned for (`--zones`, as given); `None` without zones.
    pub zones: Option<String>,
    /// `--survive-zone-loss`.
    pub survive_zone_loss: bool,
    /// The `--prices` overlay applied to the catalog, as given, with the SHA-256 of its
    /// bytes; `None` when prices are the catalog's.
    pub price_overlay: Option<CatalogSource>,
}

/// Where a catalog came from and what its bytes were.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogSource {
    /// [`BUILT_IN_SOURCE`], or the path as given to `--catalog`.
    pub source: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            eni_trunking: "off".into(),
            headroom: 0.0,
            types: None,
            memory_overhead_pct: 3.0,
            reserved_memory_mib: 0,
            dynamic_port_range: "49153-65535".into(),
            catalog: CatalogSource {
                source: BUILT_IN_SOURCE.into(),
                sha256: String::new(),
            },
            zones: None,
            survive_zone_loss: false,
            price_overlay: None,
        }
    }
}
