# Marketing mart: one row per user with their ordering history. Schema from a LookML constant.
view: fact_user_orders {
  sql_table_name: @{analytics_schema}.fact_user_orders ;;

  dimension: user_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.user_id ;;
  }

  dimension_group: first_order {
    type: time
    timeframes: [raw, date, week, month]
    sql: ${TABLE}.first_order_at ;;
  }

  dimension_group: last_order {
    type: time
    timeframes: [raw, date, week, month]
    sql: ${TABLE}.last_order_at ;;
  }

  dimension: order_count {
    type: number
    sql: ${TABLE}.orders ;;
  }

  dimension: total_spend {
    type: number
    value_format_name: usd
    sql: ${TABLE}.total_spent ;;
  }

  dimension: is_repeat_buyer {
    type: yesno
    sql: ${TABLE}.is_repeat_buyer ;;
  }

  dimension: order_count_tier {
    type: tier
    tiers: [1, 2, 3, 5]
    style: integer
    sql: ${order_count} ;;
  }

  measure: count {
    label: "Buyers"
    type: count
  }

  measure: repeat_buyers {
    type: count
    filters: [is_repeat_buyer: "yes"]
  }

  measure: repeat_rate {
    type: number
    value_format_name: percent_1
    sql: 1.0 * ${repeat_buyers} / NULLIF(${count}, 0) ;;
  }

  measure: total_lifetime_spend {
    type: sum
    value_format_name: usd
    sql: ${total_spend} ;;
  }
}
