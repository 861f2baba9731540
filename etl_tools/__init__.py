"""The tooling: the `etl` command, the local runner, deploy, packaging and smoke.

Installed into the virtualenv, never packaged for AWS: Lambda and Glue run ``covid_etl`` alone.
"""
