"""Validation at scale, on a Dask cluster: simulation-based calibration (sbc), one spec fitted to many data sets
(batch) and the DAG's implications tested on the data (localtests); runner holds the engine and the resumable
output folder they share."""
