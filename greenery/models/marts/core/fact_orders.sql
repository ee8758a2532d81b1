with orders as (
    select * from {{ ref('stg_greenery__orders') }}
),

items as (
    select order_id, count(*) as products, sum(quantity) as units
    from {{ ref('stg_greenery__order_items') }}
    group by order_id
),

promos as (
    select * from {{ ref('stg_greenery__promos') }}
),

addresses as (
    select * from {{ ref('stg_greenery__addresses') }}
)

select
    orders.order_id,
    orders.user_id,
    orders.created_at,
    cast(orders.created_at as date) as created_on,
    orders.order_status,
    items.products,
    items.units,
    orders.order_cost,
    orders.shipping_cost,
    orders.promo_id,
    coalesce(promos.discount, 0) as discount,
    orders.order_total,
    addresses.state as ship_to_state,
    orders.shipping_service,
    orders.tracking_id,
    orders.estimated_delivery_at,
    orders.delivered_at,
    date_diff('day', orders.created_at, orders.delivered_at) as days_to_deliver
from orders
left join items using (order_id)
left join promos using (promo_id)
left join addresses using (address_id)
