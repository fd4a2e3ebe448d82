//! `--prices FILE`: an overlay of instance type patterns and prices that replaces the
//! catalog's prices on every planning command.

use crate::plan::{CATALOG, HEADER};
use crate::util::Workdir;

const WORKLOAD: &str = "web,512,1024,6,bridge,0,0,any,,false\n";

fn workdir(prices: &str) -> Workdir {
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}{WORKLOAD}"));
    dir.write("prices.csv", prices);
    dir
}

fn plan_json(dir: &Workdir, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "plan",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = dir.run(&args);
    run.expect(0);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn overlay_prices_change_the_plan_and_are_reported() {
    // Without the overlay the arm64 c6g.large is cheapest; spot prices on m5 turn it round.
    let dir = workdir("instance_type,price_usd_hour\nm5.LARGE,0.03\nm5.*,0.07\n");
    let before = plan_json(&dir, &[]);
    assert_eq!(before["instance_counts"]["c6g.large"], 2, "{before}");
    assert!(before.get("price_overlay").is_none(), "{before}");
    let after = plan_json(&dir, &["--prices", "prices.csv"]);
    assert_eq!(after["instance_counts"]["m5.large"], 2, "{after}");
    assert!(
        (after["cost_per_hour"].as_f64().unwrap() - 0.06).abs() < 1e-9,
        "{after}"
    );
    let recorded = &after["options"]["price_overlay"];
    assert_eq!(recorded["source"], "prices.csv", "{after}");
    assert_eq!(recorded["sha256"].as_str().map(str::len), Some(64), "{after}");
    assert!(before["options"]["price_overlay"].is_null(), "{before}");
    let overlay = &after["price_overlay"];
    assert_eq!(overlay["file"], "prices.csv");
    assert_eq!(
        overlay["types_overridden"], 2,
        "the first matching row prices m5.large, the glob m5.xlarge"
    );
    assert_eq!(
        overlay["in_plan"],
        serde_json::json!([{"instance_type": "m5.large", "catalog_usd_hour": 0.096, "overlay_usd_hour": 0.03}])
    );
}

#[test]
fn overlay_row_matching_no_type_is_an_input_error_on_every_command() {
    let dir = workdir("instance_type,price_usd_hour\nm5.*,0.05\nm9z.*,0.1\nc6g.large,free\n");
    let common = [
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--prices",
        "prices.csv",
    ];
    for command in ["plan", "compare", "check"] {
        let mut args = vec![command];
        args.extend_from_slice(&common);
        if command == "check" {
            args.extend_from_slice(&["--plan", "."]);
        }
        let run = dir.run(&args);
        run.expect(2);
        assert!(
            run.stderr.contains("prices.csv:4:11: `price_usd_hour` is `free`"),
            "{command}: {}",
            run.stderr
        );
    }
    // Rows are matched against the catalog once every row reads: with the price fixed, the
    // row that matches nothing is the error.
    dir.write("prices.csv", "instance_type,price_usd_hour\nm5.*,0.05\nm9z.*,0.1\n");
    for command in ["plan", "compare", "check", "catalog"] {
        let mut args = vec![command];
        if command == "catalog" {
            args.extend_from_slice(&["--catalog", "catalog.csv", "--prices", "prices.csv"]);
        } else {
            args.extend_from_slice(&common);
        }
        if command == "check" {
            args.extend_from_slice(&["--plan", "."]);
        }
        let run = dir.run(&args);
        run.expect(2);
        assert!(
            run.stderr
                .contains("prices.csv:3:1: the instance type `m9z.*` matches no type of the catalog"),
            "{command}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("fix: "), "{command}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{command}: {}", run.stdout);
    }
}

#[test]
fn check_and_catalog_use_the_overlay_prices() {
    let dir = workdir("instance_type,price_usd_hour\nc6g.large,0.02\n");
    let mut args = vec![
        "plan",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--out",
        "out",
    ];
    dir.run(&args).expect(0);
    args.truncate(5);
    args[0] = "check";
    args.extend_from_slice(&["--plan", "out", "--prices", "prices.csv"]);
    let check = dir.run(&args);
    check.expect(0);
    assert!(check.stdout.contains("$0.0400/hour"), "{}", check.stdout);
    let catalog = dir.run(&[
        "catalog",
        "--catalog",
        "catalog.csv",
        "--prices",
        "prices.csv",
        "--format",
        "json",
    ]);
    catalog.expect(0);
    let rows: serde_json::Value = serde_json::from_str(&catalog.stdout).unwrap();
    let c6g = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance_type"] == "c6g.large")
        .unwrap();
    assert_eq!(
        (c6g["price_usd_hour"].as_f64(), c6g["catalog_price_usd_hour"].as_f64()),
        (Some(0.02), Some(0.068))
    );
    let m5 = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance_type"] == "m5.large")
        .unwrap();
    assert!(m5.get("catalog_price_usd_hour").is_none(), "{m5}");
}
