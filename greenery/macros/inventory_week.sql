{#
  The week being played (dbt var `inventory_week`, 1..4). scripts/build.py sets it for each of
  the four `load_inventory_week` + `dbt snapshot` rounds.
#}
{% macro inventory_week(required=false) -%}
    {%- set week = var('inventory_week', none) -%}
    {%- if week is none -%}
        {%- if required and execute -%}
            {{ exceptions.raise_compiler_error(
                "no week given: pass --vars '{inventory_week: N}' with N from 1 to 4") }}
        {%- endif -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if week | string not in ['1', '2', '3', '4'] -%}
        {{ exceptions.raise_compiler_error(
            "inventory_week " ~ week ~ " is outside 1..4; pick a week from 1 to 4") }}
    {%- endif -%}
    {{ return(week | int) }}
{%- endmacro %}


{#
  Load week N of the `inventory_weeks` seed into the raw products table, as the shop's
  inventory system would have at the end of that week; products the seed does not list keep
  their inventory. Run it before `dbt snapshot` with the same var.
#}
{% macro load_inventory_week() %}
    {% set week = inventory_week(required=true) %}
    {% set products = source('greenery', 'products') %}
    {% set weeks = ref('inventory_weeks') %}
    {% set found = run_query("select count(*) from " ~ weeks ~ " where week = " ~ week) %}
    {% if found.columns[0].values()[0] == 0 %}
        {{ exceptions.raise_compiler_error(
            "the inventory_weeks seed has no rows for week " ~ week ~ "; run `dbt seed` first") }}
    {% endif %}
    {% call statement('load_inventory_week') %}
        update {{ products }} as p
        set inventory = w.inventory
        from {{ weeks }} as w
        where w.week = {{ week }} and w.product_name = p.name
    {% endcall %}
    {% do adapter.commit() %}
    {{ log("loaded inventory week " ~ week ~ " into " ~ products, info=true) }}
{% endmacro %}
