{#
  Inventory week by week: a new version of a product whenever its inventory changes.
  `inventory_week` records the week the version was first seen in, so the analyses can ask
  "what was the inventory in week N" (dbt_valid_from is only the wall-clock time of the run).
#}
{% snapshot products_snapshot %}
    {{ config(
        schema='snapshots',
        unique_key='product_id',
        strategy='check',
        check_cols=['inventory'],
    ) }}
    {% set week = inventory_week() %}

    select
        product_id,
        name as product_name,
        price,
        inventory,
        cast({{ 'null' if week is none else week }} as integer) as inventory_week
    from {{ source('greenery', 'products') }}
{% endsnapshot %}
