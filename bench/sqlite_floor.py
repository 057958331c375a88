#!/usr/bin/env python3
"""The SQLite floor under issue 3's committed import: how long SQLite itself (through Python's
sqlite3, so no Rust driver is involved) takes to insert 200,000 generated people and their category
rows into yikou's own schema, and into a bare table with one unique blob key.

Usage: yikou --data DIR init; python3 bench/sqlite_floor.py DIR/yikou.db
"""
import os, random, shutil, sqlite3, sys, tempfile, time

SRC = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
work = tempfile.mkdtemp()


def connect(path):
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("pragma journal_mode=wal")
    c.execute("pragma synchronous=normal")
    c.execute("pragma cache_size=-65536")
    c.execute("pragma foreign_keys=1")
    return c


def yikou_schema(drop_secondary):
    path = os.path.join(work, "schema.db")
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    shutil.copy(SRC, path)
    c = connect(path)
    streets = [r[0] for r in c.execute("select code from units where length(code) = 12")][:14]
    c.execute("begin")
    if drop_secondary:
        for ix in ["people_area", "people_household", "people_name", "people_batch", "people_external",
                   "person_categories_category"]:
            c.execute(f"drop index if exists {ix}")
    c.execute("insert into import_batches(batch_no, actor, created_at, file_name, file_hash, status)"
              " values ('b', 'a', 't', 'f', 'h', 'open')")
    batch = c.execute("select max(id) from import_batches").fetchone()[0]
    people = sorted((os.urandom(32), os.urandom(46), "3101**********1234", "测试" + str(i), "1", "1980-01-01",
                     "13812345678", "某路1号", random.choice(streets), None, None, 0, "t", "t", batch, None)
                    for i in range(N))
    t0 = time.time()
    c.executemany("insert into people(id_key, id_cipher, id_masked, name, sex, birth_date, phone, address, street_code,"
                  " committee_code, household_id, is_household_head, created_at, updated_at, batch_id, external_id)"
                  " values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", people)
    t1 = time.time()
    first = c.execute("select min(id) from people").fetchone()[0]
    c.executemany("insert into person_categories(person_id, category_code, start_date, batch_id) values (?,?,?,?)",
                  [(first + i, "DB", "2020-01-01", batch) for i in range(N)])
    t2 = time.time()
    c.execute("commit")
    t3 = time.time()
    label = "yikou schema, no secondary indexes" if drop_secondary else "yikou schema as migrated"
    print(f"{label:38} people {t1 - t0:.2f} s  categories {t2 - t1:.2f} s  commit {t3 - t2:.2f} s  "
          f"total {t3 - t0:.2f} s")


def bare():
    path = os.path.join(work, "bare.db")
    c = connect(path)
    c.execute("create table t (id integer primary key, k blob unique, a text, b text)")
    rows = sorted((os.urandom(32), "x" * 40, "y" * 20) for _ in range(N))
    c.execute("begin")
    t0 = time.time()
    c.executemany("insert into t(k, a, b) values (?,?,?)", rows)
    c.execute("commit")
    print(f"{'bare table, one unique blob key':38} total {time.time() - t0:.2f} s")


print(f"SQLite {sqlite3.sqlite_version}, {N} rows")
yikou_schema(False)
yikou_schema(True)
bare()
shutil.rmtree(work)
