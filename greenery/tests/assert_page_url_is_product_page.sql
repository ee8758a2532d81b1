-- Every event happens on a product page: https://greenary.com/product/<product_id>
-- (page views and add to carts name their product; checkouts the last product put in the cart).
select event_id, page_url
from {{ source('greenery', 'events') }}
where page_url not like 'https://greenary.com/product/%'
   or (product_id is not null and page_url <> 'https://greenary.com/product/' || product_id)
