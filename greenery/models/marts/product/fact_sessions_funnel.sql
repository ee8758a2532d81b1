-- One row per session: how far down the funnel page view -> add to cart -> checkout ->
-- package shipped it went. Feeds the Looker "Product funnel" dashboard.
with sessions as (
    select * from {{ ref('int_session_events') }}
)

select
    session_id,
    user_id,
    session_started_at,
    session_ended_at,
    cast(session_started_at as date) as session_started_on,
    date_diff('second', session_started_at, session_ended_at) / 60.0 as session_minutes,
    {%- for column in event_type_columns().values() %}
    {{ column }},
    {%- endfor %}
    products_viewed,
    order_id,
    page_views > 0 as has_page_view,
    add_to_carts > 0 as has_add_to_cart,
    checkouts > 0 as has_checkout,
    packages_shipped > 0 as has_package_shipped,
    case
        when packages_shipped > 0 then 'package_shipped'
        when checkouts > 0 then 'checkout'
        when add_to_carts > 0 then 'add_to_cart'
        else 'page_view'
    end as furthest_step
from sessions
