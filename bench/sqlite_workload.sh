#!/usr/bin/env bash
# Writes a scripted SQL workload for the sqlite3 shell (Debian package sqlite3) on stdout:
# the "real program under a realistic load" of bench/run_suite.sh.
#
#   bench/sqlite_workload.sh [ORDERS=200000] > workload.sql
#   sqlite3 bench.db ".read workload.sql" > /dev/null     (start from a missing bench.db)
#
# Two tables (customers: ORDERS/10 rows, orders: ORDERS rows) filled by single-row INSERTs
# in transactions of 1000 (each statement parsed and planned: the allocation pattern of an
# application feeding SQL), then indexes, joins and aggregates, a correlated subquery,
# UPDATEs and DELETEs through the indexes, queries again, and an integrity check.
# The data comes from a fixed-seed generator: the same SQL every time.
# ORDERS=200000 takes a few seconds untracked on a 2.5 GHz core.
set -euo pipefail
orders="${1:-200000}"
[[ "$orders" =~ ^[1-9][0-9]*$ ]] || { echo "usage: sqlite_workload.sh [ORDERS]" >&2; exit 2; }

awk -v orders="$orders" '
  # Park-Miller generator: exact in awk doubles, so every awk prints the same SQL.
  function rnd(n) { seed = (seed * 16807) % 2147483647; return seed % n }
  function word(len,   s, i) { s = ""; for (i = 0; i < len; ++i) s = s substr(letters, rnd(26) + 1, 1); return s }
  BEGIN {
    seed = 42
    letters = "abcdefghijklmnopqrstuvwxyz"
    split("Berlin Paris Lyon Oslo Porto Turin Ghent Brno Graz Cork Split Aarhus", cities, " ")
    customers = int(orders / 10); if (customers < 1) customers = 1
    print "PRAGMA journal_mode = DELETE;"
    print "PRAGMA synchronous = OFF;   -- measure the program, not the disk"
    print "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, city TEXT, created INTEGER);"
    print "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER NOT NULL REFERENCES customers(id), product TEXT, quantity INTEGER, price REAL, note TEXT);"
    print "BEGIN;"
    for (i = 1; i <= customers; ++i) {
      name = word(4 + rnd(12))
      printf "INSERT INTO customers (name, email, city, created) VALUES (%c%s %s%c, %c%s@%s.example%c, %c%s%c, %d);\n",
             39, name, word(6 + rnd(10)), 39, 39, name, word(5), 39, 39, cities[rnd(12) + 1], 39, 1600000000 + rnd(100000000)
      if (i % 1000 == 0) print "COMMIT; BEGIN;"
    }
    print "COMMIT;"
    print "BEGIN;"
    for (i = 1; i <= orders; ++i) {
      note = rnd(4) == 0 ? sprintf("%c%s%c", 39, word(10 + rnd(80)), 39) : "NULL"
      printf "INSERT INTO orders (customer, product, quantity, price, note) VALUES (%d, %cp%d-%s%c, %d, %d.%02d, %s);\n",
             1 + rnd(customers), 39, rnd(500), word(3), 39, 1 + rnd(9), rnd(300), rnd(100), note
      if (i % 1000 == 0) print "COMMIT; BEGIN;"
    }
    print "COMMIT;"
    print "CREATE INDEX orders_customer ON orders(customer);"
    print "CREATE INDEX orders_product ON orders(product, quantity);"
    print "CREATE INDEX customers_city ON customers(city, created);"
    print "ANALYZE;"
    for (pass = 1; pass <= 2; ++pass) {
      print "SELECT city, count(*), sum(o.quantity * o.price) FROM customers c JOIN orders o ON o.customer = c.id GROUP BY city ORDER BY 3 DESC;"
      print "SELECT c.name, count(o.id) AS n FROM customers c LEFT JOIN orders o ON o.customer = c.id GROUP BY c.id ORDER BY n DESC, c.name LIMIT 20;"
      print "SELECT product, avg(price), max(quantity) FROM orders WHERE product LIKE " sprintf("%cp1%%%c", 39, 39) " GROUP BY product ORDER BY 2 DESC LIMIT 20;"
      print "SELECT count(*) FROM orders o WHERE o.price > (SELECT avg(price) FROM orders WHERE customer = o.customer);"
      print "SELECT group_concat(name, " sprintf("%c,%c", 39, 39) ") FROM (SELECT name FROM customers WHERE city = " sprintf("%cOslo%c", 39, 39) " ORDER BY created LIMIT 200);"
      print "SELECT length(group_concat(note)) FROM orders WHERE note IS NOT NULL;"
      if (pass == 1) {
        print "BEGIN;"
        for (i = 1; i <= int(orders / 100) + 1; ++i) {
          printf "UPDATE orders SET price = price * 1.05, note = %c%s%c WHERE customer = %d;\n", 39, word(20), 39, 1 + rnd(customers)
          printf "DELETE FROM orders WHERE product = %cp%d-%s%c AND quantity > 5;\n", 39, rnd(500), word(3), 39
        }
        print "UPDATE customers SET email = upper(email) WHERE city IN (" sprintf("%cParis%c, %cPorto%c", 39, 39, 39, 39) ");"
        print "DELETE FROM orders WHERE quantity = 1 AND price < 20;"
        print "COMMIT;"
      }
    }
    print "PRAGMA integrity_check;"
  }'
