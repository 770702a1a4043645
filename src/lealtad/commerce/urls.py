from django.urls import path

from lealtad.commerce import views, views_gateway, views_returns, views_sale, views_store

app_name = "commerce"
urlpatterns = [
    path("", views.handheld, name="handheld"),
    path("products/", views.product_results, name="product_results"),
    path("products/<str:code>/", views.product, name="product"),
    path("sku/<str:sku>/", views.variant, name="variant"),
    path("customer/", views_sale.customer_card, name="customer_card"),
    path("orders/", views_sale.place_order, name="place_order"),
    path("orders/review/", views_sale.review_order, name="review_order"),
    path("orders/<str:number>/", views.order, name="order"),
    path("returns/", views_returns.take_return, name="take_return"),
    path("transfers/", views.store_transfers, name="transfers"),
    path("transfers/<str:number>/", views_store.transfer, name="transfer"),
    path("transfers/<str:number>/step/", views_store.transfer_step, name="transfer_step"),
    path(
        "transfers/<str:number>/pick-list/",
        views_store.transfer_pick_list,
        name="transfer_pick_list",
    ),
    path("orders/<str:number>/hand-over/", views_store.hand_over, name="hand_over"),
    path("orders/<str:number>/receipt/", views_store.order_receipt, name="order_receipt"),
    path("orders/<str:number>/pick-list/", views_store.order_pick_list, name="order_pick_list"),
    path("returns/<str:number>/receipt/", views_store.return_receipt, name="return_receipt"),
    path("test-gateway/card/", views_gateway.test_gateway_form, name="test_gateway_form"),
]
