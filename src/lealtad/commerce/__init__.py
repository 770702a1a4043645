"""Commerce: catalog, prices, promotions, stock, carts, orders, payments, shipments, returns."""
