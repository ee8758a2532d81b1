# dbt snapshot of the products table (inventory history). The name is split over lines.
view: products_snapshot {
  sql_table_name:
      snapshots.products_snapshot
      ;;

  dimension: snapshot_key {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.dbt_scd_id ;;
  }

  dimension: product_id {
    type: string
    sql: ${TABLE}.product_id ;;
  }

  dimension: product_name {
    type: string
    sql: ${TABLE}.product_name ;;
  }

  dimension: price {
    type: number
    value_format_name: usd
    sql: ${TABLE}.price ;;
  }

  dimension: inventory {
    type: number
    sql: ${TABLE}.inventory ;;
  }

  dimension: inventory_week {
    description: "Week (1 to 4) in which this version of the product was first seen."
    type: number
    sql: ${TABLE}.inventory_week ;;
  }

  dimension_group: valid_from {
    type: time
    timeframes: [raw, time, date, week]
    sql: ${TABLE}.dbt_valid_from ;;
  }

  dimension_group: valid_to {
    type: time
    timeframes: [raw, time, date, week]
    sql: ${TABLE}.dbt_valid_to ;;
  }

  dimension: is_current {
    type: yesno
    sql: ${TABLE}.dbt_valid_to IS NULL ;;
  }

  measure: count {
    label: "Product versions"
    type: count
  }

  measure: total_inventory {
    type: sum
    sql: ${inventory} ;;
  }

  measure: count_products {
    type: count_distinct
    sql: ${product_id} ;;
  }
}
