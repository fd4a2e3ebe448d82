//! Availability zones: which zones a plan uses, how many tasks of a service each zone runs
//! (the spread rule: any two zones differ by at most one task), and how many tasks a
//! service needs to keep `count` running after a zone is lost.

use super::catalog::InstanceType;
use super::rules::TypePatterns;

/// The most zones a plan may use: no AWS region has more than six.
pub const MAX_ZONES: usize = 6;

/// The zones of a plan. Without zones (the default) instances have no zone and nothing
/// about them is planned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Zones {
    /// The zone names in the order given; empty when zones are not planned.
    pub names: Vec<String>,
    /// Place enough tasks that every service keeps `count` after any one zone is lost.
    pub survive_zone_loss: bool,
}

impl Zones {
    /// True when zones are planned.
    pub fn is_zoned(&self) -> bool {
        !self.names.is_empty()
    }

    /// The number of zones the tasks are spread over: 1 without zones.
    pub fn count(&self) -> u32 {
        self.names.len().max(1) as u32
    }

    /// The tasks a service of `count` places: `count`, or with `survive_zone_loss` the
    /// least N with N − ⌈N / Z⌉ ≥ `count`.
    pub fn placed(&self, count: u32) -> u32 {
        if !self.survive_zone_loss {
            return count;
        }
        tasks_to_survive_zone_loss(count, self.count())
    }

    /// The zones (indices into `names`) where `t` is offered: those its catalog `zones`
    /// patterns match, every zone when it lists none. Without zones, the one zone 0.
    pub fn offering(&self, t: &InstanceType) -> Vec<usize> {
        if !self.is_zoned() {
            return vec![0];
        }
        let patterns = TypePatterns::new(&t.zones).expect("zone patterns validated on input");
        (0..self.names.len())
            .filter(|&z| patterns.allows(&self.names[z]))
            .collect()
    }
}

/// The least N with N − ⌈N / zones⌉ ≥ `count`: what is left after losing the zone with the
/// most tasks of an even spread is still `count`. With one zone nothing survives its loss,
/// so it is `count` (the flag needs two zones).
pub fn tasks_to_survive_zone_loss(count: u32, zones: u32) -> u32 {
    if zones < 2 || count == 0 {
        return count;
    }
    let (z, c) = (u64::from(zones), u64::from(count));
    // N − ⌈N/Z⌉ = ⌊N (Z − 1) / Z⌋, which is non-decreasing in N: start at the fluid value
    // c·Z/(Z−1) rounded down and step up.
    let mut n = c * z / (z - 1);
    while n - n.div_ceil(z) < c {
        n += 1;
    }
    while n > c && (n - 1) - (n - 1).div_ceil(z) >= c {
        n -= 1;
    }
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// An even spread of `tasks` over `zones`: `(q, r)` with every zone holding q tasks and r
/// of them one more.
pub fn spread(tasks: u32, zones: u32) -> (u32, u32) {
    (tasks / zones, tasks % zones)
}

/// Parses `--zones`: `,`-separated names, 1 to [`MAX_ZONES`], distinct and non-empty.
/// Returns the problems found, each as (cause, fix).
pub fn parse_names(text: &str) -> Result<Vec<String>, (String, String)> {
    let names: Vec<String> = text.split(',').map(|n| n.trim().to_string()).collect();
    if names.iter().any(String::is_empty) {
        return Err((
            format!("`{text}` has an empty zone name"),
            "write the zone names separated by commas, e.g. us-east-1a,us-east-1b,us-east-1c".into(),
        ));
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err((
                format!("the zone `{name}` is listed twice"),
                "list each zone once".into(),
            ));
        }
    }
    if names.len() > MAX_ZONES {
        return Err((
            format!("{} zones given, at most {MAX_ZONES} are planned", names.len()),
            format!("list at most {MAX_ZONES} zones (no region has more)"),
        ));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_loss_counts_match_the_hand_computed_ones() {
        // 60 tasks over 3 zones: 90 (30 per zone, 60 left after losing one).
        assert_eq!(tasks_to_survive_zone_loss(60, 3), 90);
        // Over 2 zones: 120.
        assert_eq!(tasks_to_survive_zone_loss(60, 2), 120);
        // 61 over 3: 92 = 31 + 31 + 30; losing a zone of 31 leaves 61.
        assert_eq!(tasks_to_survive_zone_loss(61, 3), 92);
        assert_eq!(spread(92, 3), (30, 2));
        assert_eq!(tasks_to_survive_zone_loss(1, 3), 2);
        assert_eq!(tasks_to_survive_zone_loss(1, 2), 2);
        assert_eq!(tasks_to_survive_zone_loss(0, 3), 0);
        assert_eq!(tasks_to_survive_zone_loss(5, 1), 5);
    }

    #[test]
    fn the_zone_loss_count_is_the_least_that_survives() {
        for z in 2..=6u32 {
            for c in 0..200u32 {
                let n = tasks_to_survive_zone_loss(c, z);
                assert!(n - n.div_ceil(z) >= c, "{c} over {z}: {n}");
                if n > 0 {
                    let m = n - 1;
                    assert!(m - m.div_ceil(z) < c, "{c} over {z}: {m} also survives");
                }
            }
        }
    }

    #[test]
    fn zone_names_are_distinct_non_empty_and_at_most_six() {
        assert_eq!(parse_names("a, b,c").unwrap(), ["a", "b", "c"]);
        assert!(parse_names("a,,b").unwrap_err().0.contains("empty"));
        assert!(parse_names("a,b,A").unwrap_err().0.contains("`A` is listed twice"));
        assert!(parse_names("a,b,c,d,e,f,g").unwrap_err().0.contains("7 zones"));
    }
}
