-- One row per session: its user, when it ran and how many events of each type it had.
with events as (
    select * from {{ ref('stg_greenery__events') }}
)

select
    session_id,
    -- a session belongs to one user (tested); min() just picks it
    min(user_id) as user_id,
    min(created_at) as session_started_at,
    -- shipping happens days later and is not part of the visit
    max(created_at) filter (where event_type <> 'package_shipped') as session_ended_at,
    count(*) as events,
    {%- for event_type, column in event_type_columns().items() %}
    count(*) filter (where event_type = '{{ event_type }}') as {{ column }},
    {%- endfor %}
    count(distinct product_id) filter (where event_type = 'page_view') as products_viewed,
    max(order_id) as order_id
from events
group by session_id
