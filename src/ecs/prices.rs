//! Price overlays (`--prices FILE`): rows of an instance type pattern and a price that
//! replace the catalog's prices (spot, Savings Plans, another region) without rewriting
//! the catalog. For each type, the first row whose pattern matches its name sets its price.

use serde::Serialize;

use super::catalog::Catalog;
use super::rules::TypePatterns;

/// One row of an overlay: a glob over instance type names and the price it sets.
#[derive(Debug, Clone)]
pub struct PriceRule {
    /// The pattern as written.
    pub pattern: String,
    matcher: TypePatterns,
    pub price_usd_hour: f64,
    /// Where the row is, for messages: line and column of the pattern.
    pub line: u64,
    pub column: u64,
}

impl PriceRule {
    /// A rule, or why `pattern` is not a valid glob.
    pub fn new(pattern: &str, price_usd_hour: f64, line: u64, column: u64) -> Result<PriceRule, String> {
        Ok(PriceRule {
            pattern: pattern.to_string(),
            matcher: TypePatterns::new(&[pattern.to_string()])?,
            price_usd_hour,
            line,
            column,
        })
    }

    fn matches(&self, instance_type: &str) -> bool {
        self.matcher.allows(instance_type)
    }
}

/// A price overlay read from a file, its rules in file order.
#[derive(Debug, Clone)]
pub struct PriceOverlay {
    /// The file as the user named it.
    pub file: String,
    pub rules: Vec<PriceRule>,
}

/// A catalog price that an overlay replaced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceChange {
    pub instance_type: String,
    pub catalog_usd_hour: f64,
    pub overlay_usd_hour: f64,
}

/// What an overlay changed in a catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlaid {
    /// The overlay file as the user named it.
    pub file: String,
    /// Every type whose price the overlay set, in catalog order (also those set to the
    /// catalog's own price).
    pub changes: Vec<PriceChange>,
}

impl PriceOverlay {
    /// Sets the price of every type of `catalog` that a rule matches, from the first such
    /// rule. Returns what changed, or the rules that match no type of the catalog.
    pub fn apply(&self, catalog: &mut Catalog) -> Result<Overlaid, Vec<&PriceRule>> {
        let unmatched: Vec<&PriceRule> = self
            .rules
            .iter()
            .filter(|r| !catalog.types.iter().any(|t| r.matches(&t.instance_type)))
            .collect();
        if !unmatched.is_empty() {
            return Err(unmatched);
        }
        let mut changes = Vec::new();
        for t in &mut catalog.types {
            if let Some(rule) = self.rules.iter().find(|r| r.matches(&t.instance_type)) {
                changes.push(PriceChange {
                    instance_type: t.instance_type.clone(),
                    catalog_usd_hour: t.price_usd_hour,
                    overlay_usd_hour: rule.price_usd_hour,
                });
                t.price_usd_hour = rule.price_usd_hour;
            }
        }
        Ok(Overlaid {
            file: self.file.clone(),
            changes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::catalog::InstanceType;
    use crate::ecs::workload::CpuArch;

    fn catalog() -> Catalog {
        let t = |name: &str, vcpu: u32, price_usd_hour: f64| InstanceType {
            instance_type: name.into(),
            family: name.split('.').next().unwrap().into(),
            vcpu,
            memory_mib: 4096 * u64::from(vcpu),
            arch: CpuArch::X86_64,
            gpus: 0,
            max_enis: 3,
            ipv4_per_eni: 10,
            trunking: None,
            awsvpc_trunk_tasks: None,
            price_usd_hour,
            awsvpc_tasks: None,
            registered_memory_mib: None,
            zones: Vec::new(),
            line: 0,
        };
        Catalog {
            types: vec![
                t("m5.large", 2, 0.096),
                t("m5.xlarge", 4, 0.192),
                t("c6i.large", 2, 0.085),
            ],
            restriction: None,
        }
    }

    fn overlay(rows: &[(&str, f64)]) -> PriceOverlay {
        PriceOverlay {
            file: "prices.csv".into(),
            rules: rows
                .iter()
                .enumerate()
                .map(|(i, (p, price))| PriceRule::new(p, *price, i as u64 + 2, 1).unwrap())
                .collect(),
        }
    }

    #[test]
    fn first_matching_row_sets_the_price() {
        let mut c = catalog();
        let done = overlay(&[("M5.LARGE", 0.04), ("m5.*", 0.07)]).apply(&mut c).unwrap();
        let prices: Vec<f64> = c.types.iter().map(|t| t.price_usd_hour).collect();
        assert_eq!(prices, [0.04, 0.07, 0.085]);
        let names: Vec<&str> = done.changes.iter().map(|p| p.instance_type.as_str()).collect();
        assert_eq!(names, ["m5.large", "m5.xlarge"]);
        assert_eq!(done.changes[1].catalog_usd_hour, 0.192);
    }

    #[test]
    fn a_row_that_matches_no_type_is_refused() {
        let mut c = catalog();
        let o = overlay(&[("m5.*", 0.07), ("m7i.*", 0.1)]);
        let unmatched = o.apply(&mut c).unwrap_err();
        assert_eq!(unmatched.len(), 1);
        assert_eq!((unmatched[0].pattern.as_str(), unmatched[0].line), ("m7i.*", 3));
    }
}
