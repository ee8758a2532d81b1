{#
  Inventory of every snapshotted product in every week of the inventory_weeks seed: the latest
  version first seen in or before that week. A select statement, for the analyses to use in a CTE.
#}
{% macro inventory_by_week() %}
    select
        weeks.week,
        versions.product_id,
        versions.product_name,
        versions.inventory
    from (select distinct week from {{ ref('inventory_weeks') }}) as weeks
    join {{ ref('products_snapshot') }} as versions
        on versions.inventory_week <= weeks.week
    qualify row_number() over (
        partition by versions.product_id, weeks.week
        order by versions.inventory_week desc, versions.dbt_valid_from desc
    ) = 1
{% endmacro %}
