-- Which products' inventory changed from week 3 to week 4?
with inventory as (
    {{ inventory_by_week() }}
)

select
    week_3.product_name,
    week_3.inventory as week_3_inventory,
    week_4.inventory as week_4_inventory,
    week_4.inventory - week_3.inventory as change
from inventory as week_3
join inventory as week_4
    on week_4.product_id = week_3.product_id and week_4.week = 4
where week_3.week = 3
  and week_4.inventory <> week_3.inventory
order by week_3.product_name
