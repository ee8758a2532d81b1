-- Which items went out of stock in the last 3 weeks, and did they come back?
with inventory as (
    {{ inventory_by_week() }}
),

last_weeks as (
    select *
    from inventory
    where week > (select max(week) - 3 from inventory)
),

out_of_stock as (
    select product_id, product_name, min(week) as first_week_out, max(week) as last_week_out
    from last_weeks
    where inventory = 0
    group by product_id, product_name
)

select
    out_of_stock.product_name,
    out_of_stock.first_week_out as out_of_stock_week,
    min(back.week) as back_in_stock_week,
    min(back.week) is not null as came_back,
    arg_min(back.inventory, back.week) as back_in_stock_inventory
from out_of_stock
left join last_weeks as back
    on back.product_id = out_of_stock.product_id
    and back.week > out_of_stock.last_week_out
    and back.inventory > 0
group by out_of_stock.product_name, out_of_stock.first_week_out
order by out_of_stock.product_name
