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

/// Names in a message: at most this many, then how many more.
pub const NAMES_SHOWN: usize = 10;

/// `names` joined with ", ", the first [`NAMES_SHOWN`] only and then "and N more": a
/// message about thousands of services stays readable.
pub fn some_names(names: &[String]) -> String {
    if names.len() <= NAMES_SHOWN {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..NAMES_SHOWN].join(", "),
        names.len() - NAMES_SHOWN
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn some_names_shows_ten_then_counts_the_rest() {
        let names: Vec<String> = (1..=12).map(|i| format!("s{i}")).collect();
        assert_eq!(some_names(&names[..2]), "s1, s2");
        assert_eq!(some_names(&names[..10]), names[..10].join(", "));
        assert_eq!(some_names(&names), "s1, s2, s3, s4, s5, s6, s7, s8, s9, s10 and 2 more");
    }
}
