-- Funnel conversion and drop-off per step: sessions reaching page view -> add to cart ->
-- checkout, as a share of all sessions and of the step before. The drop-off of a step is the
-- sessions lost on the way to it (also as points of all sessions); the largest is the step
-- that loses the most sessions.
with sessions as (
    select * from {{ ref('fact_sessions_funnel') }}
),

steps as (
    select 1 as step_number, 'page view' as step, count(*) filter (where has_page_view) as sessions
    from sessions
    union all
    select 2, 'add to cart', count(*) filter (where has_add_to_cart) from sessions
    union all
    select 3, 'checkout', count(*) filter (where has_checkout) from sessions
),

measured as (
    select
        step_number,
        step,
        sessions,
        lag(sessions) over (order by step_number) - sessions as drop_off_sessions,
        lag(sessions) over (order by step_number) as previous_sessions,
        (select count(*) from sessions) as all_sessions
    from steps
)

select
    step_number,
    step,
    sessions,
    round(100.0 * sessions / all_sessions, 1) as pct_of_sessions,
    round(100.0 * sessions / previous_sessions, 1) as pct_of_previous_step,
    drop_off_sessions,
    round(100.0 * drop_off_sessions / all_sessions, 1) as drop_off_pct_of_sessions,
    coalesce(drop_off_sessions = max(drop_off_sessions) over (), false) as is_largest_drop_off
from measured
order by step_number
