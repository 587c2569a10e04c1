"""Kho's datastore from the outside, with the tools people use:

- `ckanapi` (CKAN's own client) calls datastore_info, datastore_search,
  datastore_search_sql and datastore_delete as it would on CKAN;
- pyarrow and DuckDB read a Parquet file Kho wrote (a dump) and find the
  same rows and types.

Usage: check_clients.py BASE_URL API_TOKEN RESOURCE_ID WORK_DIR
"""
import glob
import os
import sys
import urllib.request

import ckanapi
import duckdb
import pyarrow.parquet as pq

base, token, rid, work = sys.argv[1:5]
ck = ckanapi.RemoteCKAN(base, apikey=token)

info = ck.action.datastore_info(id=rid)
assert info["meta"]["count"] == 4, info
assert [f["id"] for f in info["fields"]][:2] == ["Tỉnh", "Mã"], info["fields"]

r = ck.action.datastore_search(resource_id=rid, filters={"Tỉnh": "Huế"})
assert r["total"] == 1 and r["records"][0]["Dân số"] == 1236393, r
r = ck.action.datastore_search(resource_id=rid, q="nẵng", fields=["Tỉnh"])
assert r["records"] == [{"Tỉnh": "Đà Nẵng"}], r
r = ck.action.datastore_search(resource_id=rid, sort="Mã desc", limit=1, offset=1)
assert r["records"][0]["Mã"] == 46, r

r = ck.action.datastore_search_sql(sql=f'SELECT COUNT(*) AS n, SUM("Dân số") AS s FROM "{rid}"')
assert r["records"] == [{"n": 4, "s": 13371221}], r
try:
    ck.action.datastore_search_sql(sql=f'DELETE FROM "{rid}"')
    raise AssertionError("a DELETE ran")
except ckanapi.ValidationError as e:
    assert "read-only" in str(e), e

try:
    ck.action.datastore_search(resource_id="khong-co-bang-nay")
    raise AssertionError("a missing table answered")
except ckanapi.NotFound:
    pass

# pyarrow and DuckDB read Kho's Parquet.
path = os.path.join(work, "dump.parquet")
req = urllib.request.Request(f"{base}/datastore/dump/{rid}?format=parquet", headers={"Authorization": token})
with urllib.request.urlopen(req) as resp, open(path, "wb") as out:
    out.write(resp.read())
table = pq.read_table(path)
assert table.num_rows == 4, table
assert table.column_names == ["_id", "Tỉnh", "Mã", "Dân số", "Diện tích", "Ngày", "Đô thị"], table.column_names
assert str(table.schema.field("Ngày").type) == "date32[day]", table.schema
assert table.column("Tỉnh").to_pylist()[3] == "Đà Nẵng"
row = duckdb.sql(f"SELECT \"Dân số\", \"Đô thị\" FROM read_parquet('{path}') WHERE \"Mã\" = 46").fetchall()
assert row == [(1236393, True)], row
# Kho's own table file, as the load wrote it, reads the same.
stored = glob.glob(os.path.join(work, "datastore", rid, "*.parquet"))
assert len(stored) == 1, stored
n = duckdb.sql(f"SELECT COUNT(*) FROM read_parquet('{stored[0]}') WHERE \"Diện tích\" > 5000").fetchall()[0][0]
assert n == 2, n
assert pq.read_table(stored[0]).num_rows == 4

r = ck.action.datastore_delete(resource_id=rid, filters={"Tỉnh": "Huế"})
assert r["deleted"] == 1, r
print("ALL DATASTORE CLIENT CHECKS PASSED")
