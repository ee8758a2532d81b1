# Persistent derived table (persist_for): snapshot inventory next to the seeded weekly plan.
view: weekly_inventory_pdt {
  derived_table: {
    sql:
      SELECT
        s.product_id,
        s.product_name,
        w.week,
        w.inventory AS planned_inventory,
        s.inventory AS snapshot_inventory,
        s.dbt_valid_from
      FROM snapshots.products_snapshot AS s
      JOIN analytics.inventory_weeks AS w
        ON w.product_name = s.product_name
       AND w.week = s.inventory_week
      ;;
    persist_for: "24 hours"
  }

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.product_id || '-' || CAST(${TABLE}.week AS VARCHAR) || '-' || CAST(${TABLE}.dbt_valid_from AS VARCHAR) ;;
  }

  dimension: product_name {
    type: string
    sql: ${TABLE}.product_name ;;
  }

  dimension: week {
    type: number
    sql: ${TABLE}.week ;;
  }

  measure: total_planned_inventory {
    type: sum
    sql: ${TABLE}.planned_inventory ;;
  }

  measure: total_snapshot_inventory {
    type: sum
    sql: ${TABLE}.snapshot_inventory ;;
  }
}
