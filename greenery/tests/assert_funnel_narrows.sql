-- A session cannot check out without a cart, nor ship without a checkout.
select session_id
from {{ ref('fact_sessions_funnel') }}
where (checkouts > 0 and add_to_carts = 0)
   or (packages_shipped > checkouts)
   or (add_to_carts > 0 and page_views = 0)
