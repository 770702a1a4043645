"""Marketing's pure cores: offer arbitration and the statistics of campaign results (lift over
control, its confidence interval). Plain Python, no Django: tested and benchmarked alone."""
