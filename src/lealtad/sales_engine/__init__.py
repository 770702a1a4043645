"""Sales' pure core: lead scoring with its calibration, the weighted forecast and its
backtest, commission rules with clawback, and the iCalendar feed of a user's activities.
Plain Python (numpy and scikit-learn), no Django: the sales context passes plain values in
and writes what comes back, so each piece is tested and benchmarked alone."""
