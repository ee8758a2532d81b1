# Core orders mart. Written in upper/mixed case on purpose: DuckDB folds unquoted names to lower case.
view: fact_orders {
  sql_table_name: ANALYTICS.Fact_Orders ;;

  dimension: order_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.order_id ;;
  }

  dimension: user_id {
    type: string
    hidden: yes
    sql: ${TABLE}.user_id ;;
  }

  dimension: promo_id {
    type: string
    hidden: yes
    sql: ${TABLE}.promo_id ;;
  }

  dimension: ship_to_state {
    type: string
    map_layer_name: us_states
    sql: ${TABLE}.ship_to_state ;;
  }

  dimension: units {
    type: number
    sql: ${TABLE}.units ;;
  }

  dimension_group: created {
    type: time
    timeframes: [raw, time, date, week, month, quarter, year]
    sql: ${TABLE}.created_at ;;
  }

  dimension_group: delivered {
    type: time
    timeframes: [raw, date, week]
    sql: ${TABLE}.delivered_at ;;
  }

  dimension_group: estimated_delivery {
    type: time
    timeframes: [raw, date]
    sql: ${TABLE}.estimated_delivery_at ;;
  }

  dimension: status {
    type: string
    sql: ${TABLE}.order_status ;;
  }

  dimension: shipping_service {
    type: string
    sql: ${TABLE}.shipping_service ;;
  }

  dimension: tracking_id {
    type: string
    sql: ${TABLE}.tracking_id ;;
  }

  dimension: order_cost {
    type: number
    value_format_name: usd
    sql: ${TABLE}.order_cost ;;
  }

  dimension: shipping_cost {
    type: number
    value_format_name: usd
    sql: ${TABLE}.shipping_cost ;;
  }

  dimension: order_total {
    type: number
    value_format_name: usd
    sql: ${TABLE}.order_total ;;
  }

  dimension: days_to_deliver {
    type: number
    sql: ${TABLE}.days_to_deliver ;;
  }

  dimension: is_late {
    type: yesno
    sql: ${delivered_raw} > ${estimated_delivery_raw} ;;
  }

  measure: count {
    label: "Orders"
    type: count
    drill_fields: [order_id, created_date, status, order_total]
  }

  measure: total_revenue {
    type: sum
    value_format_name: usd
    sql: ${order_total} ;;
  }

  measure: average_order_value {
    type: average
    value_format_name: usd
    sql: ${order_total} ;;
  }

  measure: total_shipping_cost {
    type: sum
    value_format_name: usd
    sql: ${shipping_cost} ;;
  }

  measure: average_days_to_deliver {
    type: average
    value_format_name: decimal_1
    sql: ${days_to_deliver} ;;
  }

  measure: count_buyers {
    type: count_distinct
    sql: ${user_id} ;;
  }
}
