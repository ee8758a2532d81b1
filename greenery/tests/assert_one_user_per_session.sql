-- int_session_events takes a session's user with min(): that is only right if there is one.
select session_id
from {{ ref('stg_greenery__events') }}
group by session_id
having count(distinct user_id) > 1
