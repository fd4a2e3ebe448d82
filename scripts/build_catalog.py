#!/usr/bin/env python3
"""Builds data/instance_types.csv from the reference catalog (see data/README.md).

Adds the optional `awsvpc_tasks` column for multi-network-card types, whose ECS awsvpc
task limit is not `max_enis - 1`: the ECS developer guide's figure where it has one, else
the default network card's interfaces minus the primary (a conservative estimate).
`registered_memory_mib` stays empty: no measured figures exist for current families.

Usage: scripts/build_catalog.py SHARED_CATALOG_DIR > data/instance_types.csv
"""
import csv
import sys

src = sys.argv[1]
types = list(csv.DictReader(open(f"{src}/ec2_instance_types.csv", newline="")))
supplement = {r["instance_type"]: r for r in csv.DictReader(open(f"{src}/ec2_trunk_supplement.csv", newline=""))}

columns = list(types[0].keys()) + ["awsvpc_tasks", "registered_memory_mib"]
out = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
out.writeheader()
for row in types:
    extra = supplement[row["instance_type"]]
    cards = int(extra["network_cards"])
    tasks = ""
    if cards > 1:
        ecs = extra["ecs_doc_tasks_without_trunking"]
        tasks = ecs if ecs else str(int(row["max_enis"]) // cards - 1)
    out.writerow({**row, "awsvpc_tasks": tasks, "registered_memory_mib": ""})
