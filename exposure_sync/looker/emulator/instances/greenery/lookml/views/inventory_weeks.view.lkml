# dbt seed: weekly inventory per product (weeks 1 to 4).
view: inventory_weeks {
  sql_table_name: analytics.inventory_weeks ;;

  dimension: pk {
    primary_key: yes
    hidden: yes
    type: string
    sql: ${TABLE}.product_name || '-' || CAST(${TABLE}.week AS VARCHAR) ;;
  }

  dimension: product_name {
    type: string
    sql: ${TABLE}.product_name ;;
  }

  dimension: week {
    type: number
    sql: ${TABLE}.week ;;
  }

  dimension: inventory {
    type: number
    sql: ${TABLE}.inventory ;;
  }

  measure: total_inventory {
    type: sum
    sql: ${inventory} ;;
  }

  measure: min_inventory {
    type: min
    sql: ${inventory} ;;
  }
}
