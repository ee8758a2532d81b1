with users as (
    select * from {{ ref('stg_greenery__users') }}
),

addresses as (
    select * from {{ ref('stg_greenery__addresses') }}
)

select
    users.user_id,
    users.first_name,
    users.last_name,
    users.first_name || ' ' || users.last_name as full_name,
    users.email,
    users.phone_number,
    users.created_at,
    users.updated_at,
    addresses.address,
    addresses.zipcode,
    addresses.state,
    addresses.country
from users
left join addresses using (address_id)
