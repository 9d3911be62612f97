-- Kron schema version 3: room in the runs table's pages for a second version of each row. A prepared run (fired ahead
-- of its slot) is stamped started at its slot: an update of started_at alone, which no index covers, so with free
-- space on the page PostgreSQL writes it as a heap-only tuple (HOT) without touching the run's seven indexes. Pages
-- written from now on keep 20 % free; existing pages keep theirs until rewritten.
ALTER TABLE runs SET (fillfactor = 80);
