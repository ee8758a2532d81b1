# Product funnel mart: one row per web session.
view: fact_sessions_funnel {
  sql_table_name: analytics.fact_sessions_funnel ;;

  dimension: session_id {
    primary_key: yes
    type: string
    sql: ${TABLE}.session_id ;;
  }

  dimension: user_id {
    type: string
    hidden: yes
    sql: ${TABLE}.user_id ;;
  }

  dimension_group: session_started {
    type: time
    timeframes: [raw, time, date, week, month]
    sql: ${TABLE}.session_started_at ;;
  }

  dimension_group: session_ended {
    type: time
    timeframes: [raw, time, date]
    sql: ${TABLE}.session_ended_at ;;
  }

  dimension: page_views {
    type: number
    sql: ${TABLE}.page_views ;;
  }

  dimension: add_to_carts {
    type: number
    sql: ${TABLE}.add_to_carts ;;
  }

  dimension: checkouts {
    type: number
    sql: ${TABLE}.checkouts ;;
  }

  dimension: packages_shipped {
    type: number
    sql: ${TABLE}.packages_shipped ;;
  }

  dimension: furthest_step {
    description: "page_view, add_to_cart, checkout or package_shipped."
    type: string
    sql: ${TABLE}.furthest_step ;;
  }

  measure: count {
    label: "Sessions"
    type: count
    drill_fields: [session_id, session_started_time, furthest_step]
  }

  measure: sessions_with_page_view {
    type: count
    filters: [page_views: ">0"]
  }

  measure: sessions_with_add_to_cart {
    type: count
    filters: [add_to_carts: ">0"]
  }

  measure: sessions_with_checkout {
    type: count
    filters: [checkouts: ">0"]
  }

  measure: add_to_cart_rate {
    type: number
    value_format_name: percent_1
    sql: 1.0 * ${sessions_with_add_to_cart} / NULLIF(${sessions_with_page_view}, 0) ;;
  }

  measure: checkout_rate {
    type: number
    value_format_name: percent_1
    sql: 1.0 * ${sessions_with_checkout} / NULLIF(${sessions_with_page_view}, 0) ;;
  }

  measure: count_users {
    type: count_distinct
    sql: ${user_id} ;;
  }
}
