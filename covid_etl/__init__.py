"""US COVID-19 daily ETL: the shared library (shipped to Lambda as a layer).

Pure, typed functions first (sources, validation, join, diff, accounting,
email text); AWS access lives in ``covid_etl.aws`` only.
"""
