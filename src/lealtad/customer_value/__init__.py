"""Who a customer is worth and where they are heading: RFM, value tiers, cost to serve,
lifecycle stages, churn risk, cohorts and market-basket rules. Plain numpy/scipy (and
scikit-learn for the supervised churn model) with no Django import, like ``matching`` and
``lifetime_value``: the analytics context passes columns in and writes the answers back."""
