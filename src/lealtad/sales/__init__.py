"""Sales: leads, their qualification and assignment, opportunities in pipelines, activities."""
