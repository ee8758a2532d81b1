-- One row per user: what they bought, for retention and promo analysis.
with users as (
    select * from {{ ref('dim_users') }}
),

orders as (
    select
        user_id,
        count(*) as orders,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        sum(order_total) as total_spent,
        count(promo_id) as orders_with_promo,
        sum(units) as units
    from {{ ref('fact_orders') }}
    group by user_id
)

select
    users.user_id,
    users.full_name,
    users.email,
    users.state,
    coalesce(orders.orders, 0) as orders,
    coalesce(orders.units, 0) as units,
    coalesce(orders.total_spent, 0) as total_spent,
    case when orders.orders > 0 then round(orders.total_spent / orders.orders, 2) end
        as average_order_total,
    coalesce(orders.orders_with_promo, 0) as orders_with_promo,
    orders.first_order_at,
    orders.last_order_at,
    coalesce(orders.orders, 0) >= 2 as is_repeat_buyer
from users
left join orders using (user_id)
