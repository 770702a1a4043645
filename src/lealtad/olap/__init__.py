"""The cube: facts in Parquet, queried with DuckDB by dimensions and measures. No Django
import: the analytics context exports the facts and asks the questions."""
