"""Staffing: Erlang C and Erlang A, agents per interval (pooled across queues), forecasts."""
