-- Which products' inventory fluctuated most over weeks 1 to 4? Ranked by the total of the
-- week-over-week moves (up or down), then by the spread between the lowest and highest week.
with inventory as (
    {{ inventory_by_week() }}
),

moves as (
    select
        product_name,
        week,
        inventory,
        inventory - lag(inventory) over (partition by product_id order by week) as move
    from inventory
)

select
    product_name,
    string_agg(cast(inventory as varchar), ', ' order by week) as weekly_inventory,
    count(*) filter (where move <> 0) as changes,
    sum(abs(move)) as total_movement,
    max(inventory) - min(inventory) as spread
from moves
group by product_name
having count(*) filter (where move <> 0) > 0
order by total_movement desc, spread desc, product_name
