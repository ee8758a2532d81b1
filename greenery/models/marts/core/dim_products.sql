with products as (
    select * from {{ ref('stg_greenery__products') }}
),

units as (
    select product_id, count(distinct order_id) as orders, sum(quantity) as units_ordered
    from {{ ref('stg_greenery__order_items') }}
    group by product_id
)

select
    products.product_id,
    products.product_name,
    products.price,
    products.inventory,
    products.inventory = 0 as is_out_of_stock,
    coalesce(units.orders, 0) as orders,
    coalesce(units.units_ordered, 0) as units_ordered
from products
left join units using (product_id)
