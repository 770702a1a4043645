from django.urls import path

from lealtad.commerce import views, views_gateway, views_sale

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
    path("returns/", views.take_return, name="take_return"),
    path("transfers/", views.store_transfers, name="transfers"),
    path("test-gateway/card/", views_gateway.test_gateway_form, name="test_gateway_form"),
]
