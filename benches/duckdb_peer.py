"""The DuckDB side of `kho bench datastore`: the same work on the same
files, timed the same way. Prints one JSON object.

Usage: duckdb_peer.py CSV PARQUET REPEAT COMMUNE_CODES OUT_DIR
"""
import json
import os
import statistics
import sys
import time

import duckdb

csv_path, parquet_path, repeat, codes, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
codes = [int(c) for c in codes.split(",")]
con = duckdb.connect(os.path.join(out_dir, "peer.duckdb"))
size = os.path.getsize(csv_path)

t = time.perf_counter()
con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
ingest = time.perf_counter() - t
rows = con.execute("SELECT COUNT(*) FROM t").fetchone()[0]

group_sql = f"SELECT province, SUM(amount) FROM read_parquet('{parquet_path}') GROUP BY province"
con.execute(group_sql).fetchall()
group = []
for _ in range(repeat):
    t = time.perf_counter()
    con.execute(group_sql).fetchall()
    group.append(time.perf_counter() - t)

# datastore_search's work: one page of 100 rows and the total.
filt = []
for i in range(repeat):
    code = codes[i % len(codes)]
    t = time.perf_counter()
    con.execute(f"SELECT * FROM read_parquet('{parquet_path}') WHERE commune = {code} ORDER BY _id LIMIT 100").fetchall()
    con.execute(f"SELECT COUNT(*) FROM read_parquet('{parquet_path}') WHERE commune = {code}").fetchone()
    filt.append(time.perf_counter() - t)

out_csv = os.path.join(out_dir, "peer-export.csv")
t = time.perf_counter()
con.execute(f"COPY (SELECT * FROM read_parquet('{parquet_path}')) TO '{out_csv}' (HEADER, DELIMITER ',')")
export = time.perf_counter() - t
export_bytes = os.path.getsize(out_csv)
os.remove(out_csv)

filt.sort()
print(json.dumps({
    "version": duckdb.__version__,
    "rows": rows,
    "ingest_s": ingest,
    "ingest_mb_s": size / 1e6 / ingest,
    "group_by_ms": statistics.median(group) * 1000,
    "filter_p50_ms": filt[len(filt) // 2] * 1000,
    "filter_p99_ms": filt[min(len(filt) - 1, int(len(filt) * 0.99))] * 1000,
    "csv_export_mb_s": export_bytes / 1e6 / export,
}))
