{#
  dbt's default prefixes a custom schema with the target schema (analytics_snapshots). The
  contract fixes the snapshot in `snapshots` exactly, so a custom schema is used as written;
  everything without one lands in the target schema (analytics, or $GREENERY_SCHEMA).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
