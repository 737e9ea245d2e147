"""Print locust's per-endpoint statistics as one table: requests/s, p50/p95/p99 and errors."""

import csv
import sys
from pathlib import Path


def main(path: str) -> None:
    with Path(path).open() as handle:
        rows = list(csv.DictReader(handle))
    header = f"{'endpoint':<38} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "TOTAL" if row["Name"] == "Aggregated" else row["Name"]
        if name == "TOTAL":
            print("-" * len(header))
        print(
            f"{name:<38} {int(row['Request Count']):>8} {float(row['Requests/s']):>7.1f} {row['50%']:>7} "
            f"{row['95%']:>7} {row['99%']:>7} {int(row['Failure Count']):>7}"
        )


if __name__ == "__main__":
    main(sys.argv[1])
