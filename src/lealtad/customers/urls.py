from django.urls import path

from lealtad.customers import merge_views, quality_views, search_views, views

app_name = "customers"
urlpatterns = [
    path("", search_views.search, name="search"),
    path("results/", search_views.results, name="results"),
    path("new/", views.create, name="create"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:review_id>/decide/", views.decide_review, name="decide_review"),
    path("reviews/<int:review_id>/merge/", merge_views.merge, name="merge"),
    path("merges/<int:merge_id>/undo/", merge_views.undo, name="undo_merge"),
    path("<int:customer_id>/merges/", merge_views.merges_card, name="merges"),
    path("quality/", quality_views.quality_list, name="quality"),
    path("quality/<int:issue_id>/fix/", quality_views.fix, name="quality_fix"),
    path("quality/<int:issue_id>/dismiss/", quality_views.dismiss, name="quality_dismiss"),
    path("<int:customer_id>/", views.detail, name="detail"),
    path("<int:customer_id>/timeline/", views.timeline, name="timeline"),
    path("<int:customer_id>/edit/", views.edit, name="edit"),
    path("<int:customer_id>/phones/new/", views.add_phone, name="add_phone"),
    path("<int:customer_id>/emails/new/", views.add_email, name="add_email"),
    path("<int:customer_id>/addresses/new/", views.add_address, name="add_address"),
    path("<int:customer_id>/consents/new/", views.add_consent, name="add_consent"),
    path("<int:customer_id>/interactions/new/", views.add_interaction, name="add_interaction"),
]
