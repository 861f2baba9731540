-- The view `daily`: each day's current value, one row per day (what `etl export` prints).
-- One definition for both engines: `etl query` (DuckDB) and Athena (infra/modules/analytics).
-- The processed zone keeps every load's staged days; a day's current value is the one the
-- newest load wrote (loaded_at; files written before that column existed come last).
SELECT "date", cases, deaths, recovered
FROM (
    SELECT
        "date", cases, deaths, recovered,
        row_number() OVER (
            PARTITION BY "date" ORDER BY loaded_at DESC NULLS LAST, load_date DESC
        ) AS newest
    FROM processed
) AS versions
WHERE newest = 1
