select
    address_id,
    address,
    -- zip codes are labels, not numbers: keep leading zeros
    lpad(cast(zipcode as varchar), 5, '0') as zipcode,
    state,
    country
from {{ source('greenery', 'addresses') }}
