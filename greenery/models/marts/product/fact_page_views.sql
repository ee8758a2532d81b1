-- One row per product page view, with whether that product then went into the cart and into
-- an order in the same session.
with events as (
    select * from {{ ref('stg_greenery__events') }}
),

carted as (
    select distinct session_id, product_id
    from events
    where event_type = 'add_to_cart'
),

ordered as (
    select distinct events.session_id, items.product_id
    from events
    join {{ ref('stg_greenery__order_items') }} as items using (order_id)
    where events.event_type = 'checkout'
)

select
    events.event_id,
    events.session_id,
    events.user_id,
    events.product_id,
    products.product_name,
    events.page_url,
    events.created_at as viewed_at,
    cast(events.created_at as date) as viewed_on,
    carted.product_id is not null as added_to_cart,
    ordered.product_id is not null as ordered
from events
left join {{ ref('stg_greenery__products') }} as products using (product_id)
left join carted using (session_id, product_id)
left join ordered using (session_id, product_id)
where events.event_type = 'page_view'
