{#
  The four event types and the count column each becomes; one place, so the session
  aggregation and the funnel mart cannot drift apart.
#}
{% macro event_type_columns() %}
    {{ return({
        'page_view': 'page_views',
        'add_to_cart': 'add_to_carts',
        'checkout': 'checkouts',
        'package_shipped': 'packages_shipped',
    }) }}
{% endmacro %}
