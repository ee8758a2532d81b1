# Derived table chained on another derived table through ${user_order_facts.SQL_TABLE_NAME}.
view: repeat_buyers {
  derived_table: {
    sql:
      SELECT
        user_id,
        order_count,
        lifetime_revenue,
        DATE_DIFF('day', first_order_at, last_order_at) AS days_between_first_and_last
      FROM ${user_order_facts.SQL_TABLE_NAME}
      WHERE order_count > 1
      ;;
  }

  dimension: user_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.user_id ;;
  }

  dimension: order_count {
    type: number
    sql: ${TABLE}.order_count ;;
  }

  dimension: lifetime_revenue {
    type: number
    value_format_name: usd
    sql: ${TABLE}.lifetime_revenue ;;
  }

  dimension: days_between_first_and_last {
    type: number
    sql: ${TABLE}.days_between_first_and_last ;;
  }

  measure: count {
    label: "Repeat buyers"
    type: count
  }

  measure: average_days_between_orders {
    type: number
    value_format_name: decimal_1
    sql: 1.0 * SUM(${days_between_first_and_last}) / NULLIF(SUM(${order_count} - 1), 0) ;;
  }
}
